import type { AuditParticipant } from '@tessera/audit';
import type { OutboxEntry } from '@tessera/outbox';
import type { ErasedStudy, LegalHold, PatientIdentity } from './patient-erasure.port';

/** What a deletion takes: a whole study, one series of it, or one instance of that series. */
export interface DeletionScope {
  readonly study: string;
  readonly series?: string;
  readonly instance?: string;
}

/** What a deletion request asks. */
export interface DeletionRequest {
  readonly id: string;
  readonly tenant: string;
  readonly scope: DeletionScope;
  readonly requestedBy: AuditParticipant;
  readonly at: Date;
  /** When its objects may be purged from the object store at the earliest. */
  readonly purgeAfter: Date;
}

/** The instances of one series that a deletion took, in code-point order. */
export interface DeletedSeries {
  readonly seriesInstanceUID: string;
  readonly sopInstanceUIDs: readonly string[];
}

/** A deletion whose rows are gone: its objects wait for the purge. */
export interface InstanceDeletion {
  readonly id: string;
  readonly tenant: string;
  readonly scope: DeletionScope;
  /** The study's patient in the index (a study not indexed yet is not deleted: `patient-unknown`). */
  readonly patient: PatientIdentity;
  /** The study as the audit trail's Study Deleted message names it, with the SOP classes of the instances deleted. */
  readonly study: ErasedStudy;
  readonly series: readonly DeletedSeries[];
  /** Whether the study has no instance left, so the index has no row of it any more. */
  readonly studyDeleted: boolean;
  readonly objectKeys: readonly string[];
  readonly requestedAt: Date;
  readonly purgeAfter: Date;
}

/** A deletion as its audit record tells it: who asked, when, and what went. */
export interface DeletionAudit {
  readonly id: string;
  readonly tenant: string;
  readonly scope: DeletionScope;
  readonly patient: PatientIdentity;
  readonly study: ErasedStudy;
  readonly requestedBy: AuditParticipant;
  readonly requestedAt: Date;
}

/** A deletion whose objects are still in the object store. */
export interface PendingPurge {
  readonly id: string;
  readonly tenant: string;
  readonly studyInstanceUID: string;
  readonly objectKeys: readonly string[];
}

/**
 * What deleting instances did. `patient-unknown`: the scope's instances are stored but none of the
 * study is indexed yet, so neither its patient nor a legal hold on that patient can be known; nothing
 * was deleted.
 */
export type DeleteInstancesOutcome =
  | { readonly kind: 'deleted'; readonly deletion: InstanceDeletion }
  | { readonly kind: 'held'; readonly hold: LegalHold }
  | { readonly kind: 'patient-unknown' }
  | { readonly kind: 'not-found' };

/**
 * Deletion of a study, a series or an instance (issue 4): the rows go at once, the objects later.
 * The soft delete removes the index rows and the catalog rows in one transaction and records the
 * object keys they pointed at, so no read path (QIDO-RS, WADO-RS, C-FIND, C-MOVE/C-GET, storage
 * commitment, exports) needs to know about deletions, and an instance stored again before the purge
 * is a new object under a new key, which the purge does not touch.
 */
export interface InstanceDeletionStore {
  /**
   * Unless the study's patient is on legal hold (or not known yet: `patient-unknown`), in one transaction: deletes the scope's instances
   * from the index and the catalog (and series and the study left without instances), records the
   * deletion with its object keys and what its audit record says (not audited yet), and appends the
   * events `announce` makes of it.
   */
  deleteInstances(request: DeletionRequest, announce: (deletion: InstanceDeletion) => readonly OutboxEntry[]): Promise<DeleteInstancesOutcome>;
  /** Up to `limit` deletions whose audit record is not written yet, oldest first. */
  unaudited(limit: number): Promise<DeletionAudit[]>;
  /** The deletion's audit record is written (a second call does nothing). */
  markAudited(id: string, at: Date): Promise<void>;
  /** Up to `limit` deletions not purged yet whose purge time is not after `now`, oldest first. */
  duePurges(now: Date, limit: number): Promise<PendingPurge[]>;
  /**
   * Deletes the index rows of these instances whose object the catalog no longer has: an
   * instance.stored event indexed after the deletion committed (the indexer consumes events later)
   * brings them back otherwise. An instance stored again since keeps its rows. Returns how many went.
   */
  forgetUncataloged(tenant: string, study: string, sopInstanceUIDs: readonly string[]): Promise<number>;
  /** The deletion's objects are gone: marks it purged and appends `events`, once (a second call does nothing). */
  markPurged(id: string, at: Date, events: readonly OutboxEntry[]): Promise<void>;
}
