import type { DicomJsonDataset } from '@tessera/dicom';
import type { OutboxEntry } from '@tessera/outbox';

/** The order a study was matched to by its tenant and Accession Number. */
export interface MatchedOrder {
  readonly accessionNumber: string;
  readonly placerOrderNumber?: string;
  readonly fillerOrderNumber?: string;
  readonly requestedProcedureID?: string;
  readonly requestedProcedureDescription?: string;
  readonly scheduledProcedureStepID: string;
  /** The Study Instance UID the order scheduled. */
  readonly studyInstanceUID: string;
  /** Scheduled Procedure Step Status of the order now. */
  readonly status: string;
  /** The patient the order is for, as the RIS identified it. */
  readonly patient: { readonly patientID: string; readonly issuerOfPatientID: string };
}

/** A study whose stability deadline passed: what the index has of it now. */
export interface SettledStudy {
  readonly tenant: string;
  readonly studyInstanceUID: string;
  readonly accessionNumber?: string;
  readonly patient: { readonly patientID: string; readonly issuerOfPatientID: string };
  /** The patient's current patient-level attributes. */
  readonly patientAttributes: DicomJsonDataset;
  readonly modalitiesInStudy: readonly string[];
  readonly numberOfSeries: number;
  readonly numberOfInstances: number;
  readonly lastInstanceAt: Date;
  readonly order?: MatchedOrder;
}

/**
 * The studies that have received no new instance for the configured time (their deadline, set as
 * the index takes instances in, passed) and were not announced since their last instance.
 */
export interface StudyStability {
  /**
   * Takes up to `limit` studies due at `now`, and for each, in one transaction: records the events
   * `announce` makes of it in the outbox and marks it announced. Concurrent callers (replicas of the
   * index role) get different studies. Returns the studies announced.
   */
  settle(now: Date, limit: number, announce: (study: SettledStudy) => readonly OutboxEntry[]): Promise<SettledStudy[]>;
}
