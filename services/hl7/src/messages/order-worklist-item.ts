import { problem, type Hl7OrderRequest } from '@tessera/hl7';
import type { DicomJsonDataset, DicomJsonElement } from '@tessera/dicom';
import { checkWorklistItem, InvalidWorklistItemError, type CheckedWorklistItem, type ScheduledStepStatus, type WorklistIdSource } from '@tessera/worklist';

// TS/DTM: YYYYMMDD[HHMM[SS[.S+]]][+/-ZZZZ]; the offset is dropped, as DICOM DA/TM are local.
const START = /^(\d{8})(\d{2})?(\d{2})?(\d{2})?(\.\d{1,4})?([+-]\d{4})?$/;

// An attribute with a value, or nothing: empty HL7 fields leave attributes out.
const put = (key: string, vr: DicomJsonElement['vr'], value: string): DicomJsonDataset => (value !== '' ? { [key]: { vr, Value: [value] } } : {});

/** The order's start as DICOM DA and TM. */
export function scheduledStart(order: Hl7OrderRequest): { date: string; time: string } {
  const at = { segment: 'ORC', sequence: order.sequence };
  if (order.start === '') problem('required-field-missing', at, 'the order has no start date and time (TQ1-7, OBR-27.4, ORC-7.4 or OBR-36); the worklist needs one');
  const m = START.exec(order.start);
  if (!m) problem('data-type-error', at, `the order's start "${order.start}" is not a date and time YYYYMMDD[HHMM[SS]]`);
  return { date: m[1] as string, time: `${m[2] ?? '00'}${m[3] ?? '00'}${m[4] ?? ''}${m[4] !== undefined ? (m[5] ?? '') : ''}` };
}

/**
 * The Modality Worklist item of an order (PS3.4 K.6.1.2.2), as IHE RAD TF-2 Appendix B maps an
 * order to it: the patient's current attributes, the imaging service request (Accession Number,
 * placer and filler order numbers, requesting physician), the requested procedure (ID, description
 * and code from OBR-4, Study Instance UID) and one Scheduled Procedure Step (ID, station AE title,
 * modality, start, description and protocol code from OBR-4, status). Checked as the worklist store
 * checks every item; what it refuses names the order's ORC segment.
 */
export function orderWorklistItem(order: Hl7OrderRequest, patient: DicomJsonDataset, studyInstanceUID: string, status: ScheduledStepStatus, ids: WorklistIdSource): CheckedWorklistItem {
  const at = { segment: 'ORC', sequence: order.sequence };
  if (order.modality === '') problem('required-field-missing', at, 'the order has no modality (IPC-5 or OBR-24); the worklist needs one');
  if (order.scheduledStationAETitle === '') problem('required-field-missing', at, 'the order has no scheduled station AE title (IPC-9 or OBR-21); the worklist needs one');
  const { date, time } = scheduledStart(order);
  const description = order.procedure.text || order.procedure.code;
  const code: DicomJsonDataset | undefined =
    order.procedure.code !== '' && order.procedure.codingSystem !== ''
      ? { ...put('00080100', 'SH', order.procedure.code), ...put('00080102', 'SH', order.procedure.codingSystem), ...put('00080104', 'LO', description) }
      : undefined;
  const step: DicomJsonDataset = {
    ...put('00080060', 'CS', order.modality),
    ...put('00400001', 'AE', order.scheduledStationAETitle),
    ...put('00400002', 'DA', date),
    ...put('00400003', 'TM', time),
    ...put('00400007', 'LO', description),
    ...(code ? { '00400008': { vr: 'SQ', Value: [code] } } : {}),
    ...put('00400009', 'SH', order.scheduledProcedureStepID),
    ...put('00400020', 'CS', status),
  };
  const item: DicomJsonDataset = {
    ...patient,
    ...put('00080050', 'SH', order.accessionNumber),
    ...put('0020000D', 'UI', studyInstanceUID),
    ...(order.requestingPhysician ? { '00321032': { vr: 'PN', Value: [{ Alphabetic: order.requestingPhysician }] } } : {}),
    ...put('00321060', 'LO', description),
    ...(code ? { '00321064': { vr: 'SQ', Value: [code] } } : {}),
    '00400100': { vr: 'SQ', Value: [step] },
    ...put('00401001', 'SH', order.requestedProcedureID),
    ...put('00402016', 'LO', order.placerOrderNumber),
    ...put('00402017', 'LO', order.fillerOrderNumber),
  };
  try {
    return checkWorklistItem(item, ids);
  } catch (err) {
    if (err instanceof InvalidWorklistItemError) problem('data-type-error', at, `the order cannot be a worklist item: ${err.message}`);
    throw err;
  }
}
