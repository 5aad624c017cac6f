export * from './memory-study-grants.adapter';
export * from './study-grants.port';
export * from './typeorm-study-grants.adapter';
