export * from './outbox-entry';
export * from './outbox-relay';
export * from './outbox-writer';
