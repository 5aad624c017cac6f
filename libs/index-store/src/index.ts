export * from './instance-index.port';
export * from './memory-instance-index.adapter';
export * from './typeorm-instance-index.adapter';
export * from './fhir-index.port';
export * from './memory-fhir-index.adapter';
export * from './typeorm-fhir-index.adapter';
