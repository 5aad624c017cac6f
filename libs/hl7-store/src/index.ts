export * from './hl7-store.port';
export * from './memory-hl7-store.adapter';
export * from './typeorm-hl7-store.adapter';
export * from './hl7-outbound.port';
export * from './memory-hl7-outbound.adapter';
export * from './typeorm-hl7-outbound.adapter';
