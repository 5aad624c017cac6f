/** Injection tokens for the ports; role modules depend on these, never on an adapter. */
export const CONFIG = Symbol('TesseraConfig');
export const LOGGER = Symbol('Logger');
export const DATABASE = Symbol('Database');
export const BLOB_STORE = Symbol('BlobStore');
export const EVENT_BUS = Symbol('EventBus');
export const OUTBOX_RELAY = Symbol('OutboxRelay');
export const OBJECT_CATALOG = Symbol('ObjectCatalog');
export const INSTANCE_INDEX = Symbol('InstanceIndex');
export const TENANT_RESOLVER = Symbol('TenantResolver');
export const AE_REGISTRY = Symbol('AeRegistry');
export const COMMITMENT_STORE = Symbol('CommitmentStore');
export const PROCEDURE_STEPS = Symbol('ProcedureStepStore');
export const WORKLIST_STORE = Symbol('WorklistStore');
export const TOKEN_VERIFIER = Symbol('TokenVerifier');
export const EMBEDDED_ISSUER = Symbol('EmbeddedIssuer');
export const HL7_STORE = Symbol('Hl7Store');
export const STUDY_STABILITY = Symbol('StudyStability');
