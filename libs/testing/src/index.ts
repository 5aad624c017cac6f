export * from './eventually';
export * from './infra';
export * from './databases';
export * from './synthetic-study';
export * from './ports';
export * from './kafka';
export * from './rle';
export * from './native-data-set';
