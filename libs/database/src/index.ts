export * from './database';
export { MIGRATIONS } from './migrations';
