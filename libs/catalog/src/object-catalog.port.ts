import type { OutboxEntry } from '@tessera/outbox';

/** One object durably in the object store, and what it is. */
export interface StoredObject {
  readonly tenant: string;
  readonly sopInstanceUID: string;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly sopClassUID: string;
  readonly transferSyntaxUID: string;
  readonly objectKey: string;
  readonly sizeBytes: number;
  readonly datasetOffset: number;
  readonly datasetSha256: string;
  readonly storedAt: Date;
}

/** Which object: the SOP instance of a tenant, at this key (a key names one upload of it). */
export type ObjectRef = Pick<StoredObject, 'tenant' | 'sopInstanceUID' | 'objectKey'>;

/** What recording an object did. */
export type RecordOutcome = { readonly kind: 'recorded' } | { readonly kind: 'exists'; readonly existing: StoredObject };

/** Which objects to list: a study, a series of it, or one instance of that series. */
export interface CatalogScope {
  readonly study: string;
  readonly series?: string;
  readonly instance?: string;
}

/**
 * The catalog of stored objects: which SOP instance of a tenant is at which key. It is the authority
 * for "is this instance stored", written in the same transaction as the events that announce it.
 */
export interface ObjectCatalog {
  /**
   * Records the object and appends its events in one transaction, unless the tenant already has that
   * SOP Instance UID: then nothing is written and the existing record is returned. frameIndex is the
   * encoded layout of its frames (opaque here; @tessera/codecs reads it), kept with the row.
   */
  record(object: StoredObject, events: readonly OutboxEntry[], frameIndex?: Buffer): Promise<RecordOutcome>;
  find(tenant: string, sopInstanceUID: string): Promise<StoredObject | undefined>;
  /** The objects of a scope, ordered by series then instance UID. */
  list(tenant: string, scope: CatalogScope): Promise<StoredObject[]>;
  /** The encoded frame index of the object, or undefined when none was kept (or no such object). */
  frameIndex(object: ObjectRef): Promise<Buffer | undefined>;
  /** Keeps a frame index built after the object was recorded (objects stored before indexes were kept). */
  saveFrameIndex(object: ObjectRef, frameIndex: Buffer): Promise<void>;
}
