import type { DicomJsonDataset } from '@tessera/dicom';
import type { OutboxEntry } from '@tessera/outbox';

/** The values of Performed Procedure Step Status (0040,0252) (PS3.3 C.4.14, PS3.4 F.1.5). */
export const PROCEDURE_STEP_STATUSES = ['IN PROGRESS', 'COMPLETED', 'DISCONTINUED'] as const;
export type ProcedureStepStatus = (typeof PROCEDURE_STEP_STATUSES)[number];

/** A Modality Performed Procedure Step of a tenant, as its modality reported it (PS3.4 F.7). */
export interface PerformedProcedureStep {
  readonly tenant: string;
  readonly sopInstanceUID: string;
  readonly status: ProcedureStepStatus;
  /** Study Instance UID of the first Scheduled Step Attribute Sequence (0040,0270) item. */
  readonly studyInstanceUID: string;
  /** Accession Number (0008,0050) of that item, when it has one. */
  readonly accessionNumber?: string;
  /** Every attribute of the step in the DICOM JSON Model, text decoded to Unicode. */
  readonly attributes: DicomJsonDataset;
  /** 1 once created; each accepted N-SET adds one. */
  readonly revision: number;
}

/** A change to a step that was read at `fromRevision`. */
export interface ProcedureStepChange {
  readonly tenant: string;
  readonly sopInstanceUID: string;
  readonly fromRevision: number;
  readonly status: ProcedureStepStatus;
  readonly attributes: DicomJsonDataset;
}

/**
 * The performed procedure steps of every tenant. Each change is written with the events that announce
 * it in one transaction: a step changes exactly when its events are recorded.
 */
export interface ProcedureStepStore {
  find(tenant: string, sopInstanceUID: string): Promise<PerformedProcedureStep | undefined>;
  /**
   * Records a new step at revision 1 with its events, unless the tenant already has that SOP Instance
   * UID: then nothing is written.
   */
  create(step: Omit<PerformedProcedureStep, 'revision'>, events: readonly OutboxEntry[]): Promise<'created' | 'duplicate'>;
  /**
   * Replaces the status and attributes of a step and records the events, only if the step is still at
   * `fromRevision` and IN PROGRESS: a COMPLETED or DISCONTINUED step never changes (PS3.4 F.7.2.2.3).
   * Otherwise nothing is written and the caller reads the step again ("stale").
   */
  update(change: ProcedureStepChange, events: readonly OutboxEntry[]): Promise<'updated' | 'stale'>;
}
