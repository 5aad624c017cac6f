export * from './instance-index.port';
export * from './memory-instance-index.adapter';
export * from './typeorm-instance-index.adapter';
