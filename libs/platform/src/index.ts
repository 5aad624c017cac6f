export * from './platform.module';
export * from './tenant-resolver';
export * from './tokens';
export * from './http';
