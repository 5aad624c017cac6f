export * from './blob-store.port';
export * from './file-blob-store.adapter';
export * from './memory-blob-store.adapter';
export * from './s3-blob-store.adapter';
