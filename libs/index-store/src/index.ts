export * from './instance-index.port';
export * from './memory-instance-index.adapter';
export * from './typeorm-instance-index.adapter';
export * from './study-stability.port';
export * from './memory-study-stability.adapter';
export * from './typeorm-study-stability.adapter';
