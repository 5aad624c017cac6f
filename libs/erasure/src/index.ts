export * from './patient-erasure.port';
export * from './memory-patient-erasure.adapter';
export * from './typeorm-patient-erasure.adapter';
