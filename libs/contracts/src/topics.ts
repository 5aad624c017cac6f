/**
 * Kafka topics: one family per kind of fact (ARCHITECTURE §4). Event types, not topic names, carry the
 * version, so a v2 event can share its family's topic with v1 while consumers move over.
 */
export const Topics = {
  /** Instances stored, deleted and purged. Keyed by tenant and Study Instance UID. */
  Instances: 'tessera.instances',
  /** Studies stable (later: complete, amended). Keyed by tenant and Study Instance UID. */
  Studies: 'tessera.studies',
  /** Modality Performed Procedure Steps started, updated, completed or discontinued. Keyed by tenant and Study Instance UID. */
  ProcedureSteps: 'tessera.procedure-steps',
  /** Patients updated, merged or given another identifier (HL7 ADT), or erased. Keyed by tenant, Issuer of Patient ID and Patient ID. */
  Patients: 'tessera.patients',
  /** Imaging orders placed, changed or cancelled (HL7 ORM/OMI, FHIR ServiceRequest). Keyed by tenant and Accession Number. */
  Orders: 'tessera.orders',
  /** Every HL7 v2 message received and what became of it. Keyed by tenant and sending application. */
  Hl7: 'tessera.hl7',
  /** Every FHIR resource received (created, updated) and what became of it. Keyed by tenant and resource type. */
  Fhir: 'tessera.fhir',
  /** What happens on DIMSE associations that others must see (rejections). Keyed by tenant and calling AE. */
  Dimse: 'tessera.dimse',
  /** Audit messages recorded in a tenant's trail (IHE ATNA). Keyed by tenant and chain. */
  Audit: 'tessera.audit',
  /** Messages a consumer gave up on after its retries, with the reason in headers. */
  DeadLetter: 'tessera.dead-letter',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** Every topic Tessera publishes to, for topic creation. */
export const ALL_TOPICS: readonly TopicName[] = Object.values(Topics);

/** Headers a dead-lettered message gains besides its own (the original key, value and headers are kept). */
export const DeadLetterHeaders = {
  Topic: 'dead-letter-original-topic',
  Partition: 'dead-letter-original-partition',
  Offset: 'dead-letter-original-offset',
  Group: 'dead-letter-group',
  Error: 'dead-letter-error',
  Attempts: 'dead-letter-attempts',
} as const;

/** Message header names set on every event (the envelope repeats them; headers let brokers route). */
export const EventHeaders = {
  Type: 'tessera-event-type',
  Tenant: 'tessera-tenant',
  TraceParent: 'traceparent',
  TraceState: 'tracestate',
} as const;
