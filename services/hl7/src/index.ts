export * from './hl7.module';
