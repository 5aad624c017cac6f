import { tagKey, Tags, type DicomJsonDataset, type MatchKey, type Tag } from '@tessera/dicom';

/** Attributes of the Modality Worklist Information Model (PS3.4 Table K.6-1) that Tessera refers to. */
export const WorklistTags = {
  ScheduledProcedureStepSequence: 0x00400100,
  ScheduledStationAETitle: 0x00400001,
  ScheduledProcedureStepStartDate: 0x00400002,
  ScheduledProcedureStepStartTime: 0x00400003,
  ScheduledProcedureStepDescription: 0x00400007,
  ScheduledProtocolCodeSequence: 0x00400008,
  ScheduledProcedureStepID: 0x00400009,
  ScheduledProcedureStepStatus: 0x00400020,
  RequestedProcedureID: 0x00401001,
  RequestedProcedureDescription: 0x00321060,
  RequestedProcedureCodeSequence: 0x00321064,
} as const satisfies Record<string, Tag>;

/**
 * Scheduled Procedure Step Status (0040,0020) values Tessera keeps: the Defined Terms of PS3.3 C.4.10
 * (SCHEDULED, ARRIVED, READY, STARTED, DEPARTED) and the end states that dcm4chee and the IHE
 * workflow profiles add (CANCELED, DISCONTINUED, COMPLETED).
 */
export const SCHEDULED_STEP_STATUSES = ['SCHEDULED', 'ARRIVED', 'READY', 'STARTED', 'DEPARTED', 'CANCELED', 'DISCONTINUED', 'COMPLETED'] as const;
export type ScheduledStepStatus = (typeof SCHEDULED_STEP_STATUSES)[number];

/**
 * The steps still to be performed: what a worklist query returns when it does not ask for a status
 * (dcm4chee-arc's default too); a modality that asks for another status by value gets it.
 */
export const OPEN_STEP_STATUSES: readonly ScheduledStepStatus[] = ['SCHEDULED', 'ARRIVED', 'READY'];

/** The end states: a step in one of them is over, and neither its order nor its patient's demographics change it any more. */
export const FINAL_STEP_STATUSES: readonly ScheduledStepStatus[] = ['CANCELED', 'DISCONTINUED', 'COMPLETED'];

/** Top-level attributes of an item that the store can filter on. */
export const WORKLIST_INDEXED_TAGS: ReadonlySet<Tag> = new Set([Tags.AccessionNumber, Tags.PatientName, Tags.PatientID, Tags.StudyInstanceUID, WorklistTags.RequestedProcedureID]);

/** Attributes of an item's Scheduled Procedure Step that the store can filter on. */
export const SCHEDULED_STEP_INDEXED_TAGS: ReadonlySet<Tag> = new Set([
  Tags.Modality,
  WorklistTags.ScheduledStationAETitle,
  WorklistTags.ScheduledProcedureStepStartDate,
  WorklistTags.ScheduledProcedureStepStartTime,
  WorklistTags.ScheduledProcedureStepID,
  WorklistTags.ScheduledProcedureStepStatus,
]);

/** The Scheduled Procedure Step of an item: the one item of its Scheduled Procedure Step Sequence. */
export function scheduledStepOf(item: DicomJsonDataset): DicomJsonDataset {
  return ((item[tagKey(WorklistTags.ScheduledProcedureStepSequence)]?.Value ?? [])[0] ?? {}) as DicomJsonDataset;
}

/** Checks that a filter holds keys on indexed attributes only (what every adapter can match). */
export function assertIndexed(keys: readonly MatchKey[], indexed: ReadonlySet<Tag>): void {
  const other = keys.find((k) => !indexed.has(k.tag));
  if (other) throw new Error(`${tagKey(other.tag)} is not an indexed worklist attribute; match it on the items returned`);
}
