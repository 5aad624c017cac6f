export * from './index.module';
