export * from './multipart-related';
