export * from './ae-registry.port';
export * from './memory-ae-registry.adapter';
export * from './typeorm-ae-registry.adapter';
