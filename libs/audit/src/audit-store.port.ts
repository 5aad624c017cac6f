import type { AuditEntry, AuditRecord, ChainVerification } from './hash-chain';

/** Which records to find; every criterion given must hold. */
export interface AuditSearch {
  /** A tenant's records; null for the system chain's; absent for all. */
  readonly tenant?: string | null;
  /** EventDateTime at or after. */
  readonly from?: Date;
  /** EventDateTime before. */
  readonly to?: Date;
  /** EventID code, e.g. "110112". */
  readonly eventType?: string;
  /** A UserID of one of the active participants. */
  readonly userId?: string;
  readonly patientId?: string;
  readonly studyInstanceUID?: string;
  readonly limit: number;
  readonly offset?: number;
}

/**
 * The audit records of every tenant, each in its tenant's hash chain (the events of no tenant in
 * the system chain). Appends to one chain are serialised, so a chain never forks.
 */
export interface AuditStore {
  /** Appends `entry` to its tenant's chain and returns it as stored, linked to the record before it. */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Records matching `query`, newest event first (ties: last appended first). */
  search(query: AuditSearch): Promise<AuditRecord[]>;
  /** Walks the chain of `tenant` (null: the system chain) and reports its first broken link. */
  verify(tenant: string | null): Promise<ChainVerification>;
}
