import type { AuditParticipant } from '@tessera/audit';
import type { OutboxEntry } from '@tessera/outbox';

/** One patient of a tenant: Patient ID (0010,0020) and Issuer of Patient ID (0010,0021), "" when none. */
export interface PatientIdentity {
  readonly patientID: string;
  readonly issuerOfPatientID: string;
}

/** A legal hold: while it is set, the patient cannot be erased. */
export interface LegalHold {
  readonly patient: PatientIdentity;
  readonly reason: string;
  /** Who set it (the user id of the caller). */
  readonly setBy: string;
  readonly setAt: Date;
}

/** A study erased with its patient, as the audit trail's Study Deleted message names it (PS3.15 A.5.3.8). */
export interface ErasedStudy {
  readonly studyInstanceUID: string;
  readonly accessionNumber?: string;
  readonly sopClasses: readonly { readonly sopClassUID: string; readonly numberOfInstances: number }[];
}

/**
 * An erasure whose rows are deleted: what remains to do is to audit it (once) and delete its
 * objects, which the rows no longer point at.
 */
export interface ErasureJob {
  readonly id: string;
  readonly tenant: string;
  readonly patient: PatientIdentity;
  readonly reason: string;
  readonly requestedBy: AuditParticipant;
  readonly requestedAt: Date;
  readonly studies: readonly ErasedStudy[];
  /** The object store keys of every object of the patient's studies. */
  readonly objectKeys: readonly string[];
  readonly audited: boolean;
}

/** What an erasure request asks. */
export interface ErasureRequest {
  readonly id: string;
  readonly tenant: string;
  readonly patient: PatientIdentity;
  readonly reason: string;
  readonly requestedBy: AuditParticipant;
  readonly at: Date;
}

/** What deleting a patient's records did. */
export type EraseRecordsOutcome =
  | { readonly kind: 'erased'; readonly job: ErasureJob }
  | { readonly kind: 'held'; readonly hold: LegalHold }
  | { readonly kind: 'not-found' };

/**
 * Everything a tenant keeps of a patient, for erasing it (issue 6), and the legal holds that prevent
 * that. Setting a hold and erasing are serialised per patient, so an erasure never runs past a hold
 * set while it started.
 */
export interface PatientErasureStore {
  /** Sets (or replaces) the hold on a patient, whether or not the index has the patient yet. */
  setHold(tenant: string, hold: LegalHold): Promise<void>;
  /** Clears the hold; returns the hold that was set, if any. */
  clearHold(tenant: string, patient: PatientIdentity): Promise<LegalHold | undefined>;
  holdOf(tenant: string, patient: PatientIdentity): Promise<LegalHold | undefined>;
  /**
   * Unless the patient is on hold, in one transaction: deletes every row of the patient (patient,
   * its studies, series, instances and their catalog records, study stability, orders, worklist items,
   * performed procedure steps, merges, and the patients merged into it), records the job with the
   * keys of the objects those rows pointed at, and appends the events `announce` makes of the job.
   */
  eraseRecords(request: ErasureRequest, announce: (job: ErasureJob) => readonly OutboxEntry[]): Promise<EraseRecordsOutcome>;
  /** Up to `limit` jobs requested before `before` and not finished yet, oldest first. */
  unfinished(before: Date, limit: number): Promise<ErasureJob[]>;
  markAudited(id: string): Promise<void>;
  /** The job's objects are deleted: it is done. */
  markFinished(id: string, at: Date): Promise<void>;
}
