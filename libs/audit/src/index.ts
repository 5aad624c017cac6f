export * from './audit-codes';
export * from './audit-error';
export * from './audit-event';
export * from './audit-message';
export * from './audit-store.port';
export * from './hash-chain';
export * from './memory-audit-store.adapter';
export * from './typeorm-audit-store.adapter';
