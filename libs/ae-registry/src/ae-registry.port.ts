import type { OutboxEntry } from '@tessera/outbox';

/** What a registered AE may ask of Tessera. */
export const AE_OPERATIONS = ['ECHO', 'STORE', 'FIND', 'MOVE', 'GET', 'COMMIT', 'MPPS', 'WORKLIST'] as const;
export type AeOperation = (typeof AE_OPERATIONS)[number];

/** A DICOM node a tenant knows: where it is and what it may do (PS3.7 D). */
export interface ApplicationEntity {
  readonly tenant: string;
  readonly aeTitle: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly description: string;
  readonly allowedOperations: readonly AeOperation[];
  /** AE titles this AE may move studies to; empty means any registered AE of the tenant. */
  readonly moveDestinations: readonly string[];
}

/** An association that was refused, kept so that it can be seen. */
export interface AssociationRejection {
  readonly tenant?: string;
  readonly callingAETitle: string;
  readonly calledAETitle: string;
  readonly remoteAddress: string;
  readonly reason: string;
  readonly rejectedAt: Date;
}

/** How long rejected associations are kept (the events on the bus are the permanent record). */
export const REJECTION_RETENTION_DAYS = 30;

/** The registry of application entities per tenant. */
export interface AeRegistry {
  list(tenant: string): Promise<ApplicationEntity[]>;
  find(tenant: string, aeTitle: string): Promise<ApplicationEntity | undefined>;
  /** Creates or replaces an entry; returns whether it was new. */
  put(entry: ApplicationEntity): Promise<'created' | 'updated'>;
  remove(tenant: string, aeTitle: string): Promise<boolean>;
  /**
   * Keeps a rejection and appends its events in one transaction. Rejections are kept for
   * REJECTION_RETENTION_DAYS; older ones go as new ones come, so that a node refused again and again
   * cannot fill the database.
   */
  recordRejection(rejection: Omit<AssociationRejection, 'rejectedAt'>, events: readonly OutboxEntry[]): Promise<void>;
  /** The most recent rejections, newest first (of a tenant, or those without one). */
  rejections(tenant: string | undefined, limit: number): Promise<AssociationRejection[]>;
}
