export * from './storage.module';
export * from './retrieve/stored-frame-source';
