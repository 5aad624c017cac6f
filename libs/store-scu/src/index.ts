export * from './store-scu';
