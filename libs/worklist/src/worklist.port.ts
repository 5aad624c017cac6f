import type { DicomJsonDataset, MatchKey } from '@tessera/dicom';
import type { ScheduledStepStatus } from './worklist-attributes';

/**
 * One Modality Worklist item (PS3.4 K.6.1.2.2): the patient, visit, imaging service request and
 * requested procedure with one Scheduled Procedure Step, as DICOM JSON. It is keyed, like dcm4chee's
 * MWL items, by its Study Instance UID and Scheduled Procedure Step ID.
 */
export interface WorklistItem {
  readonly tenant: string;
  readonly studyInstanceUID: string;
  readonly scheduledProcedureStepID: string;
  /** The whole item; its Scheduled Procedure Step Sequence (0040,0100) holds exactly one item. */
  readonly attributes: DicomJsonDataset;
}

/**
 * What a search matches in the store itself: keys on the indexed attributes only (WORKLIST_INDEXED_TAGS
 * for the item, SCHEDULED_STEP_INDEXED_TAGS for its Scheduled Procedure Step). Keys on any other
 * attribute are for the caller to match on the items returned.
 */
export interface WorklistFilter {
  /** Keys on attributes of the item's top level. */
  readonly keys: readonly MatchKey[];
  /** Keys on attributes of the item's Scheduled Procedure Step. */
  readonly stepKeys: readonly MatchKey[];
  readonly limit: number;
  readonly offset: number;
}

/** The scheduled procedure steps of each tenant. */
export interface WorklistStore {
  /** Adds an item unless the tenant has one with its key already. */
  create(item: WorklistItem): Promise<'created' | 'exists'>;
  /** Creates or replaces the item with this key. */
  put(item: WorklistItem): Promise<'created' | 'updated'>;
  find(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string): Promise<WorklistItem | undefined>;
  remove(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string): Promise<boolean>;
  /**
   * Sets the item's Scheduled Procedure Step Status (0040,0020) to `to`, in one step, if its status is
   * one of `from`; says whether it did. The rest of the item is left as it is.
   */
  setStatus(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string, to: ScheduledStepStatus, from: readonly ScheduledStepStatus[]): Promise<boolean>;
  /**
   * Items matching every key of the filter, in schedule order: Scheduled Procedure Step Start Date and
   * Time, then Study Instance UID and Scheduled Procedure Step ID; `offset` skips, `limit` caps.
   */
  search(tenant: string, filter: WorklistFilter): Promise<WorklistItem[]>;
}
