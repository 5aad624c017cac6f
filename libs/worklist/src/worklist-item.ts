import {
  characterSetEncoder,
  DicomError,
  encodeJsonDataset,
  EXPLICIT_VR_LITTLE_ENDIAN,
  generateUid,
  isValidUid,
  isVR,
  lookupTag,
  parseTagKey,
  tagKey,
  tagLabel,
  Tags,
  type DicomJsonDataset,
  type DicomJsonElement,
  type PersonNameJson,
  type Tag,
} from '@tessera/dicom';
import { randomBytes } from 'node:crypto';
import { SCHEDULED_STEP_STATUSES, WorklistTags } from './worklist-attributes';

/** Why an item cannot be kept, naming the attribute; the REST edge answers 400 with it. */
export class InvalidWorklistItemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWorklistItemError';
  }
}

/** Where the identifiers of a new item come from when it has none. */
export interface WorklistIdSource {
  studyInstanceUID(): string;
  scheduledProcedureStepID(): string;
}

/** New identifiers: a 2.25 UID (PS3.5 B.2), and 16 random hexadecimal digits, as many as an SH holds. */
export const NEW_WORKLIST_IDS: WorklistIdSource = {
  studyInstanceUID: generateUid,
  scheduledProcedureStepID: () => randomBytes(8).toString('hex').toUpperCase(),
};

/** A checked item, its key filled in. */
export interface CheckedWorklistItem {
  readonly studyInstanceUID: string;
  readonly scheduledProcedureStepID: string;
  readonly attributes: DicomJsonDataset;
}

const SPS = WorklistTags;
// PS3.5 Table 6.2-1: the longest value of these VRs, in characters (PN: per component group).
const MAX_LENGTH: Partial<Record<string, number>> = { AE: 16, AS: 4, CS: 16, DA: 8, DS: 16, DT: 26, IS: 12, LO: 64, PN: 64, SH: 16, TM: 14, UI: 64 };
// PS3.5 Table 6.2-1: AE is the default repertoire without backslash and not all spaces; CS upper-case
// letters, digits, space and underscore.
const AE_TITLE = /^(?=.*[^ ])[\x20-\x5b\x5d-\x7e]{1,16}$/;
const CODE_STRING = /^[A-Z0-9 _]{1,16}$/;
// An ID that is also part of an item's address: printable ASCII, no backslash.
const STEP_ID = /^(?=.*[^ ])[\x20-\x5b\x5d-\x7e]{1,16}$/;
const DATE = /^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/;
const TIME = /^([01]\d|2[0-3])([0-5]\d(([0-5]\d|60)(\.\d{1,6})?)?)?$/;

/**
 * Checks one Modality Worklist item given as DICOM JSON (PS3.18 F.2) and completes it. Required are
 * the Return Keys of type 1 and 1C of PS3.4 Table K.6-1 (what a modality may count on receiving):
 * Patient's Name, Patient ID, Requested Procedure ID, Requested Procedure Description or Code
 * Sequence, and a Scheduled Procedure Step Sequence of exactly one item with Scheduled Station AE
 * Title, Scheduled Procedure Step Start Date and Time, Modality, and Scheduled Procedure Step
 * Description or Scheduled Protocol Code Sequence. The other type 1 keys are filled in when absent:
 * Study Instance UID and Scheduled Procedure Step ID (from `address`, else new ones) and Scheduled
 * Procedure Step Status (SCHEDULED). Every value must be encodable in its VR, so that a C-FIND response
 * can carry it. Specific Character Set is dropped: JSON is Unicode, and each response chooses its own.
 * Throws InvalidWorklistItemError.
 */
export function checkWorklistItem(body: unknown, ids: WorklistIdSource, address?: { studyInstanceUID: string; scheduledProcedureStepID: string }): CheckedWorklistItem {
  const item = checkDataset(singleDataset(body), '');
  requireValue(item, Tags.PatientName);
  requireSingle(item, Tags.PatientID);
  requireSingle(item, SPS.RequestedProcedureID);
  requireOneOf(item, SPS.RequestedProcedureDescription, SPS.RequestedProcedureCodeSequence);

  const steps = item[tagKey(SPS.ScheduledProcedureStepSequence)];
  if (steps?.vr !== 'SQ' || steps.Value?.length !== 1) {
    throw invalid(`${name(SPS.ScheduledProcedureStepSequence)} must hold exactly one item, the Scheduled Procedure Step (PS3.4 K.6.1.2.2)`);
  }
  const step = steps.Value[0] as DicomJsonDataset;
  const titles = requireValue(step, SPS.ScheduledStationAETitle);
  for (const title of titles) if (!AE_TITLE.test(title)) throw invalid(`${name(SPS.ScheduledStationAETitle)} "${title}" is not an AE title (PS3.5 6.2 AE)`);
  requireFormat(step, SPS.ScheduledProcedureStepStartDate, DATE, 'a DA value YYYYMMDD');
  requireFormat(step, SPS.ScheduledProcedureStepStartTime, TIME, 'a TM value HH[MM[SS[.FFFFFF]]]');
  requireFormat(step, Tags.Modality, CODE_STRING, 'a CS value such as CT or MR');
  requireOneOf(step, SPS.ScheduledProcedureStepDescription, SPS.ScheduledProtocolCodeSequence);
  const status = singleText(step, SPS.ScheduledProcedureStepStatus);
  if (status === undefined) step[tagKey(SPS.ScheduledProcedureStepStatus)] = { vr: 'CS', Value: ['SCHEDULED'] };
  else if (!(SCHEDULED_STEP_STATUSES as readonly string[]).includes(status)) {
    throw invalid(`${name(SPS.ScheduledProcedureStepStatus)} "${status}" is not one of ${SCHEDULED_STEP_STATUSES.join(', ')}`);
  }

  const studyInstanceUID = identifier(item, Tags.StudyInstanceUID, 'UI', address?.studyInstanceUID, () => ids.studyInstanceUID());
  if (!isValidUid(studyInstanceUID)) throw invalid(`${name(Tags.StudyInstanceUID)} "${studyInstanceUID}" is not a UID (PS3.5 9.1)`);
  const scheduledProcedureStepID = identifier(step, SPS.ScheduledProcedureStepID, 'SH', address?.scheduledProcedureStepID, () => ids.scheduledProcedureStepID());
  if (!STEP_ID.test(scheduledProcedureStepID)) throw invalid(`${name(SPS.ScheduledProcedureStepID)} "${scheduledProcedureStepID}" must be 1-16 printable ASCII characters without backslash`);

  const attributes = sorted(item);
  try {
    encodeJsonDataset(attributes, EXPLICIT_VR_LITTLE_ENDIAN, characterSetEncoder(['ISO_IR 192']));
  } catch (err) {
    if (err instanceof DicomError) throw invalid(err.message);
    throw err;
  }
  return { studyInstanceUID, scheduledProcedureStepID, attributes };
}

/** What is wrong with the address of an item (its Study Instance UID and Scheduled Procedure Step ID), if anything. */
export function worklistAddressProblem(studyInstanceUID: string, scheduledProcedureStepID: string): string | undefined {
  if (!isValidUid(studyInstanceUID)) return `"${studyInstanceUID}" is not a valid Study Instance UID (PS3.5 9.1)`;
  if (!STEP_ID.test(scheduledProcedureStepID)) return `"${scheduledProcedureStepID}" is not a valid Scheduled Procedure Step ID: 1-16 printable ASCII characters without backslash`;
  return undefined;
}

function singleDataset(body: unknown): unknown {
  // The DICOM JSON Model is an array of data sets (PS3.18 F.2); one item may come alone or as such an array.
  if (Array.isArray(body)) {
    if (body.length !== 1) throw invalid(`The body must hold one worklist item; this array holds ${body.length}`);
    return body[0];
  }
  return body;
}

// The structure of DICOM JSON: tag keys, known VRs, the dictionary's VR for standard attributes,
// sequences of data sets. A copy comes back, without Specific Character Set at any level.
function checkDataset(value: unknown, path: string): DicomJsonDataset {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${path || 'The body'} must be a DICOM JSON data set (an object keyed by tags, PS3.18 F.2)`);
  const out: DicomJsonDataset = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    const tag = parseTagKey(key);
    const at = `${path}${key}`;
    if (tag === undefined) throw invalid(`"${at}" is not an attribute tag: DICOM JSON keys are 8 hexadecimal digits (PS3.18 F.2.1)`);
    if (tag >>> 16 <= 0x0002) throw invalid(`${name(tag)} at ${at} is a command or file meta element, not an attribute of a worklist item`);
    if (tag === Tags.SpecificCharacterSet) continue;
    if (tagKey(tag) in out) throw invalid(`${name(tag)} is given twice at ${at}`);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(`${name(tag)} at ${at} must be an object with "vr" (PS3.18 F.2.2)`);
    const element = raw as DicomJsonElement;
    if (typeof element.vr !== 'string' || !isVR(element.vr)) throw invalid(`${name(tag)} at ${at} has no valid "vr"`);
    const allowed = lookupTag(tag)?.vrs;
    if (allowed && !allowed.includes(element.vr)) throw invalid(`${name(tag)} at ${at} has VR ${element.vr}; PS3.6 gives ${allowed.join(' or ')}`);
    if (element.Value !== undefined && !Array.isArray(element.Value)) throw invalid(`${name(tag)} at ${at}: "Value" must be an array (PS3.18 F.2.4)`);
    if (element.vr === 'SQ') {
      out[tagKey(tag)] = { vr: 'SQ', Value: (element.Value ?? []).map((item, i) => checkDataset(item, `${at}[${i}].`)) };
      continue;
    }
    checkLengths(tag, at, element);
    out[tagKey(tag)] = element;
  }
  return out;
}

function checkLengths(tag: Tag, at: string, element: DicomJsonElement): void {
  const max = MAX_LENGTH[element.vr];
  if (max === undefined) return;
  for (const value of element.Value ?? []) {
    const texts = element.vr === 'PN' && value !== null && typeof value === 'object' ? Object.values(value as PersonNameJson) : [value];
    for (const text of texts) {
      if (typeof text === 'string' && text.length > max) throw invalid(`${name(tag)} at ${at} has a value longer than ${max} characters, the most ${element.vr} allows (PS3.5 6.2)`);
    }
  }
}

function requireValue(ds: DicomJsonDataset, tag: Tag): string[] {
  const values = texts(ds, tag);
  if (values.length === 0) throw invalid(`${name(tag)} is required with a value (return key type 1, PS3.4 Table K.6-1)`);
  return values;
}

function requireSingle(ds: DicomJsonDataset, tag: Tag): string {
  const [value, ...more] = requireValue(ds, tag);
  if (more.length > 0) throw invalid(`${name(tag)} must have one value, not ${more.length + 1}`);
  return value as string;
}

function requireFormat(ds: DicomJsonDataset, tag: Tag, format: RegExp, what: string): void {
  const value = requireSingle(ds, tag);
  if (!format.test(value)) throw invalid(`${name(tag)} "${value}" is not ${what}`);
}

// Type 1C pairs of PS3.4 Table K.6-1: a description, or the coded form of it.
function requireOneOf(ds: DicomJsonDataset, text: Tag, codes: Tag): void {
  if (texts(ds, text).length > 0 || (ds[tagKey(codes)]?.Value?.length ?? 0) > 0) return;
  throw invalid(`${name(text)} or ${name(codes)} is required (return key type 1C, PS3.4 Table K.6-1)`);
}

function singleText(ds: DicomJsonDataset, tag: Tag): string | undefined {
  const values = texts(ds, tag);
  if (values.length > 1) throw invalid(`${name(tag)} must have one value, not ${values.length}`);
  return values[0];
}

// An identifier that is also the item's address: as given, else the address's, else a new one;
// given in both the body and the address, they must agree.
function identifier(ds: DicomJsonDataset, tag: Tag, vr: 'UI' | 'SH', fromAddress: string | undefined, generate: () => string): string {
  const given = singleText(ds, tag);
  if (given !== undefined && fromAddress !== undefined && given !== fromAddress) throw invalid(`${name(tag)} "${given}" differs from the item's address, "${fromAddress}"`);
  const value = given ?? fromAddress ?? generate();
  ds[tagKey(tag)] = { vr, Value: [value] };
  return value;
}

// The non-empty values of a string or person name attribute (PN: its text in any group).
function texts(ds: DicomJsonDataset, tag: Tag): string[] {
  const element = ds[tagKey(tag)];
  const out: string[] = [];
  for (const value of element?.Value ?? []) {
    if (typeof value === 'string' && value.trim() !== '') out.push(value);
    else if (element?.vr === 'PN' && value !== null && typeof value === 'object') {
      const text = Object.values(value as PersonNameJson).join('=');
      if (text.replace(/[=^]/g, '').trim() !== '') out.push(text);
    }
  }
  return out;
}

// PS3.18 F.2.1.1: attributes in ascending tag order, in items too.
function sorted(ds: DicomJsonDataset): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const key of Object.keys(ds).sort()) {
    const element = ds[key] as DicomJsonElement;
    out[key] = element.vr === 'SQ' ? { vr: 'SQ', Value: (element.Value ?? []).map((item) => sorted(item as DicomJsonDataset)) } : element;
  }
  return out;
}

function name(tag: Tag): string {
  const keyword = lookupTag(tag)?.keyword;
  return keyword ? `${keyword} ${tagLabel(tag)}` : tagLabel(tag);
}

function invalid(message: string): InvalidWorklistItemError {
  return new InvalidWorklistItemError(message);
}
