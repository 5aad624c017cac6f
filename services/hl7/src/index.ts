export * from './hl7.module';
export * from './mllp/mllp-listener';
