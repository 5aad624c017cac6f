export * from './platform.module';
export * from './tenant-resolver';
export * from './tokens';
export * from './http';
export * from './dimse/dimse-listener';
export * from './dimse/dimse-outbound';
export * from './dimse/dimse-service';
export * from './dimse/dimse.module';
