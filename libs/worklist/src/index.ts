export * from './worklist.port';
export * from './worklist-attributes';
export * from './worklist-item';
export * from './memory-worklist-store.adapter';
export * from './typeorm-worklist-store.adapter';
