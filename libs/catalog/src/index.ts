export * from './memory-object-catalog.adapter';
export * from './object-catalog.port';
export * from './typeorm-object-catalog.adapter';
