export * from './procedure-step-store.port';
export * from './memory-procedure-step-store.adapter';
export * from './typeorm-procedure-step-store.adapter';
