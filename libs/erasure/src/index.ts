export * from './patient-erasure.port';
export * from './memory-patient-erasure.adapter';
export * from './typeorm-patient-erasure.adapter';
export * from './instance-deletion.port';
export * from './memory-instance-deletion.adapter';
export * from './typeorm-instance-deletion.adapter';
