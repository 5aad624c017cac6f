export * from './accept';
export * from './multipart-related';
export * from './multipart-writer';
export * from './write-parts';
