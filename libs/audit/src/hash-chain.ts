import { createHash } from 'node:crypto';
import type { EventActionCode, EventOutcomeIndicator } from './audit-event';

/**
 * The chain of the events that belong to no tenant (application start and stop, security alerts
 * about the installation). Tenant ids never contain "_" (the tenant table's CHECK), so it cannot
 * collide with a tenant's chain.
 */
export const SYSTEM_CHAIN = '_system';

/** The previous hash of a chain's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The chain an event of `tenant` (or of no tenant) belongs to: one chain per tenant. */
export function chainOf(tenant: string | undefined): string {
  return tenant ?? SYSTEM_CHAIN;
}

/** An audit message to be appended, with the fields it is searched by. */
export interface AuditEntry {
  readonly tenant?: string;
  /** A UUID of this record. */
  readonly recordId: string;
  readonly eventType: string;
  readonly action: EventActionCode;
  readonly outcome: EventOutcomeIndicator;
  /** EventDateTime, ISO 8601 UTC with milliseconds. */
  readonly eventTime: string;
  readonly userIds: readonly string[];
  readonly patientIds: readonly string[];
  readonly studyInstanceUIDs: readonly string[];
  /** The audit message XML. */
  readonly message: string;
}

/** A stored audit record: its entry, its place in its chain, and the hashes that link it. */
export interface AuditRecord extends AuditEntry {
  readonly chain: string;
  /** 1 for a chain's first record, then one more for each. */
  readonly sequence: number;
  /** The hash of the record before it in its chain (GENESIS_HASH for the first). */
  readonly previousHash: string;
  /** SHA-256 over the previous hash and this record's canonical form. */
  readonly hash: string;
}

/**
 * The canonical form of a record: a JSON array of every field but the hashes, in a fixed order,
 * so that the same record always hashes the same whatever stored it.
 */
export function canonicalRecord(r: Omit<AuditRecord, 'hash' | 'previousHash'>): string {
  return JSON.stringify([r.chain, r.sequence, r.tenant ?? null, r.recordId, r.eventType, r.action, r.outcome, r.eventTime, r.userIds, r.patientIds, r.studyInstanceUIDs, r.message]);
}

/** SHA-256 (hex) over the previous hash, a line feed, and the canonical record. */
export function recordHash(previousHash: string, r: Omit<AuditRecord, 'hash' | 'previousHash'>): string {
  return createHash('sha256').update(previousHash).update('\n').update(canonicalRecord(r)).digest('hex');
}

/** Links `entry` to a chain whose last record is `head` (none for an empty chain). */
export function chainRecord(entry: AuditEntry, chain: string, head: { readonly sequence: number; readonly hash: string } | undefined): AuditRecord {
  const unlinked = { ...entry, chain, sequence: (head?.sequence ?? 0) + 1 };
  const previousHash = head?.hash ?? GENESIS_HASH;
  return { ...unlinked, previousHash, hash: recordHash(previousHash, unlinked) };
}

/** Why a link of a chain is broken. */
export type ChainBreak =
  /** A sequence number is missing or repeated: a record was removed or inserted. */
  | 'sequence-gap'
  /** The record's previous hash is not the hash of the record before it. */
  | 'previous-hash-mismatch'
  /** The record's content does not hash to its hash: it was altered. */
  | 'hash-mismatch'
  /** The chain's head (its last sequence and hash, kept apart) does not match its last record: records were cut off the end. */
  | 'head-mismatch';

/** The result of verifying one chain. */
export type ChainVerification =
  | { readonly ok: true; readonly chain: string; readonly length: number; readonly lastHash: string }
  | { readonly ok: false; readonly chain: string; readonly sequence: number; readonly reason: ChainBreak };

/**
 * Walks a chain's records in sequence order and reports the first broken link. `head` is what the
 * store keeps as the chain's last sequence and hash; it catches records removed from the end,
 * which no link between the remaining ones can show.
 */
export async function verifyChain(
  chain: string,
  records: AsyncIterable<AuditRecord> | Iterable<AuditRecord>,
  head: { readonly sequence: number; readonly hash: string } | undefined,
): Promise<ChainVerification> {
  let expected = 1;
  let previousHash = GENESIS_HASH;
  for await (const r of records) {
    if (r.sequence !== expected) return { ok: false, chain, sequence: expected, reason: 'sequence-gap' };
    if (r.previousHash !== previousHash) return { ok: false, chain, sequence: r.sequence, reason: 'previous-hash-mismatch' };
    if (recordHash(previousHash, r) !== r.hash) return { ok: false, chain, sequence: r.sequence, reason: 'hash-mismatch' };
    previousHash = r.hash;
    expected += 1;
  }
  const length = expected - 1;
  if ((head?.sequence ?? 0) !== length || (head?.hash ?? GENESIS_HASH) !== previousHash) return { ok: false, chain, sequence: Math.min(head?.sequence ?? 0, length) + 1, reason: 'head-mismatch' };
  return { ok: true, chain, length, lastHash: previousHash };
}
