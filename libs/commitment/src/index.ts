export * from './commitment-store.port';
export * from './memory-commitment-store.adapter';
export * from './typeorm-commitment-store.adapter';
