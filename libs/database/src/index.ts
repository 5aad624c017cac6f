export * from './database';
export { MIGRATIONS } from './migrations';
export * from './patient-lock';
