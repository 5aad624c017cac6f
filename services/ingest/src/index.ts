export * from './dimse/dimse-listener';
export * from './ingest.module';
