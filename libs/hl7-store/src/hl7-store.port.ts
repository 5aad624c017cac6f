import type { DicomJsonDataset } from '@tessera/dicom';
import type { OutboxEntry } from '@tessera/outbox';
import type { ScheduledStepStatus, WorklistItem } from '@tessera/worklist';

/**
 * What identifies a message (HL7 v2.5.1 2.10.2): the sending application (MSH-3) and facility
 * (MSH-4) and the message control ID (MSH-10) they gave it, per tenant.
 */
export interface MessageKey {
  readonly tenant: string;
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly controlId: string;
}

/** A message that was applied: its key, type, a digest of its content and what it did. */
export interface ProcessedMessage {
  readonly key: MessageKey;
  /** MSH-9 code and trigger, e.g. "ADT^A08". */
  readonly messageType: string;
  /** SHA-256 (hex) of the segments after MSH. */
  readonly contentSha256: string;
  readonly effect: Readonly<Record<string, unknown>>;
}

/** A patient as the index knows it: Patient ID and Issuer of Patient ID (empty when none) per tenant. */
export interface PatientIdentity {
  readonly patientID: string;
  readonly issuerOfPatientID: string;
}

/** A patient's record: its patient-level attributes, its studies, and the patient it was merged into, if it was. */
export interface StoredPatient {
  readonly identity: PatientIdentity;
  /** Patient-level attributes (PS3.4 C.6.1.1.2) in the DICOM JSON Model. */
  readonly attributes: DicomJsonDataset;
  readonly studyInstanceUIDs: readonly string[];
  readonly mergedInto?: PatientIdentity;
}

/** What a merge did: its id (to undo it by) and the studies it moved to the survivor. */
export interface PatientMerge {
  readonly mergeId: string;
  readonly movedStudyInstanceUIDs: readonly string[];
}

/** A merge as recorded: who was merged into whom, what it moved, and whether it was undone. */
export interface PatientMergeRecord {
  readonly mergeId: string;
  readonly prior: PatientIdentity;
  readonly survivor: PatientIdentity;
  readonly movedStudyInstanceUIDs: readonly string[];
  /** The orders (Accession Numbers) of the prior patient that the merge gave the survivor. */
  readonly movedAccessionNumbers: readonly string[];
  readonly mergedAt: Date;
  readonly undoneAt?: Date;
}

/** What undoing a merge put back. */
export interface UndoneMerge {
  /** The moved studies that were still the survivor's, now the prior patient's again. */
  readonly restoredStudyInstanceUIDs: readonly string[];
  /** The moved orders that were still the survivor's, now the prior patient's again. */
  readonly restoredAccessionNumbers: readonly string[];
  /** The prior patient's attributes, which those studies carry again. */
  readonly priorAttributes: DicomJsonDataset;
}

/** An imaging order and the scheduled procedure step it placed on the worklist. */
export interface ImagingOrder {
  readonly tenant: string;
  readonly accessionNumber: string;
  readonly placerOrderNumber?: string;
  readonly fillerOrderNumber?: string;
  readonly studyInstanceUID: string;
  readonly scheduledProcedureStepID: string;
  readonly status: ScheduledStepStatus;
  readonly patient: PatientIdentity;
}

/**
 * What processing one HL7 message may change, all in one transaction: the record of processed
 * messages, patients in the index, orders and their worklist items, and the outbox.
 */
export interface Hl7Transaction {
  /**
   * Holds the message's key for the rest of the transaction (a copy of the message processed at the
   * same time waits) and returns its record if it was processed before.
   */
  claimMessage(key: MessageKey): Promise<ProcessedMessage | undefined>;
  recordMessage(message: ProcessedMessage): Promise<void>;
  appendEvents(events: readonly OutboxEntry[]): Promise<void>;

  findPatient(tenant: string, identity: PatientIdentity): Promise<StoredPatient | undefined>;
  /**
   * Creates the patient, or replaces its attributes, which must hold its identity; its studies carry
   * them from now on (their patient-level attributes are replaced). The patient must not be merged.
   */
  savePatient(tenant: string, identity: PatientIdentity, attributes: DicomJsonDataset): Promise<void>;
  /**
   * Merges `prior` into `survivor` (both exist, neither merged, not the same): the prior patient's
   * studies move to the survivor and carry its attributes; the prior patient stays, marked as merged
   * into the survivor (and so do patients merged into it before); what undoing needs is kept.
   */
  mergePatient(tenant: string, prior: PatientIdentity, survivor: PatientIdentity): Promise<PatientMerge>;
  /** A tenant's merges, newest first. */
  listMerges(tenant: string): Promise<PatientMergeRecord[]>;
  /** One merge, held for the rest of the transaction. */
  findMerge(tenant: string, mergeId: string): Promise<PatientMergeRecord | undefined>;
  /**
   * Undoes a merge that is not undone and whose prior patient is still merged into its survivor: the
   * prior patient is one of its own again (and the patients merged into it before are again merged
   * into it); the studies and orders the merge moved, where they are still the survivor's, go back
   * to it, the studies with the prior patient's attributes as they were, the orders' open worklist
   * items too; the merge is marked undone.
   */
  undoMerge(tenant: string, mergeId: string, now: Date): Promise<UndoneMerge>;
  /** Gives the patient `from` the identity `to` (which no patient has) and these attributes, which hold it. */
  changePatientIdentity(tenant: string, from: PatientIdentity, to: PatientIdentity, attributes: DicomJsonDataset): Promise<void>;

  findOrder(tenant: string, accessionNumber: string): Promise<ImagingOrder | undefined>;
  /** Creates or replaces the order and its worklist item. */
  saveOrder(order: ImagingOrder, item: WorklistItem): Promise<void>;
  /**
   * Sets the status of an order and of its worklist item's Scheduled Procedure Step; returns the item
   * as it now is, or undefined when the worklist no longer has it (the order's status is set anyway).
   */
  setOrderStatus(order: ImagingOrder): Promise<WorklistItem | undefined>;
}

/** Where HL7 processing writes. */
export interface Hl7Store {
  /** Runs `work` in one transaction: it commits when `work` resolves and changes nothing when it throws. */
  transaction<T>(work: (tx: Hl7Transaction) => Promise<T>): Promise<T>;
}
