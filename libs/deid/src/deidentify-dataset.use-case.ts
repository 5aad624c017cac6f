import { isPrivateTag, parseTagKey, sortDataset, stringValue, stringValues, type DicomJsonDataset, type DicomJsonElement, type PersonNameJson, type Tag } from '@tessera/dicom';
import { shiftDate, shiftDateTime } from './date-values';
import type { DateShiftSource } from './date-shift.port';
import { DeidError, DeidErrorCode } from './deid.error';
import { DUMMY_TEXT, dummyElement } from './dummy-values';
import { BASIC_PROFILE_CODE, DeidOption, OPTION_CODES, type DeidentificationMethodCode } from './profile/deid-option';
import type { ProfileAction, ProfileRow } from './profile/profile-row';
import { effectiveAction, profileRow } from './profile/profile-table';
import { TABLE_E1_1 } from './profile/table-e1-1';
import { safePrivateTags, type SafePrivateTag } from './safe-private';
import { conservativeTextCleaner, type TextCleaner } from './text-cleaner';
import type { UidMapper } from './uid-mapper.port';

/** Values that replace Patient ID and Patient's Name instead of a dummy or an empty value (a study pseudonym). */
export interface PatientPseudonym {
  readonly patientID: string;
  /** Defaults to the pseudonymous Patient ID. */
  readonly patientName?: string;
}

/** What to de-identify with: the options claimed and the ports that keep replacements consistent within a project. */
export interface DeidentifyRequest {
  /** Options of PS3.15 E.3 on top of the Basic Profile (none: the Basic Profile alone). */
  readonly options?: readonly DeidOption[];
  /** Replaces UIDs (the U action) consistently within the project. */
  readonly uidMapper: UidMapper;
  /** The per-patient date offset; required with Retain Longitudinal Temporal Information with Modified Dates. */
  readonly dateShift?: DateShiftSource;
  /** Private elements known to be safe (PS3.15 Table E.3.10-1), kept with Retain Safe Private. */
  readonly safePrivateTags?: readonly SafePrivateTag[];
  /** The C action for free text (default conservativeTextCleaner). */
  readonly cleanText?: TextCleaner;
  /** Replaces Patient ID and Patient's Name. */
  readonly patientPseudonym?: PatientPseudonym;
}

const Key = {
  PatientName: '00100010',
  PatientID: '00100020',
  IssuerOfPatientID: '00100021',
  OtherPatientIDs: '00101000',
  OtherPatientNames: '00101001',
  PatientBirthDate: '00100030',
  PatientAddress: '00101040',
  AccessionNumber: '00080050',
  InstitutionName: '00080080',
  InstitutionAddress: '00080081',
  ReferringPhysicianName: '00080090',
  PerformingPhysicianName: '00081050',
  NameOfPhysiciansReadingStudy: '00081060',
  OperatorsName: '00081070',
  StudyInstanceUID: '0020000D',
  BurnedInAnnotation: '00280301',
  PatientIdentityRemoved: '00120062',
  DeidentificationMethod: '00120063',
  DeidentificationMethodCodeSequence: '00120064',
  LongitudinalTemporalInformationModified: '00280303',
  PrivateDataElementCharacteristicsSequence: '00080300',
} as const;

const FREE_TEXT_VRS = new Set(['AE', 'LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT']);
// Curve groups 5000-501E (retired, PS3.3 2004 C.10.2) and overlay groups 6000-601E (PS3.3 C.9.2) go whole:
// Table E.1-1 removes Curve Data, Overlay Data and Overlay Comments (which Clean Graphics cannot clean, being
// bitmaps and samples), and the rest of such a group describes a curve or overlay that is no longer there.
const isCurveOrOverlayGroup = (tag: Tag): boolean => {
  const group = tag >>> 16;
  return group % 2 === 0 && ((group >= 0x5000 && group <= 0x501e) || (group >= 0x6000 && group <= 0x601e));
};

// Tags whose UI values are replaced through the UID mapper: every row whose action is U, and the rows
// whose D applies to a UI element (Annotation Group UID), since a dummy UID must stay consistent too.
const UID_ROWS: ReadonlySet<Tag> = new Set(
  TABLE_E1_1.filter(([tag, , basic]) => !tag.includes('x') && (basic === 'U' || basic === 'D')).map(([tag]) => Number.parseInt(tag, 16) >>> 0),
);

interface Walk {
  readonly chosen: ReadonlySet<DeidOption>;
  readonly uids: ReadonlyMap<string, string>;
  readonly dayOffset: number | undefined;
  readonly identifiers: readonly string[];
  readonly cleanText: TextCleaner;
  readonly safeList: readonly SafePrivateTag[];
  readonly pseudonym: PatientPseudonym | undefined;
}

/**
 * Applies the Basic Application Level Confidentiality Profile with the chosen options (PS3.15 E.1.1,
 * Table E.1-1) to a data set in the DICOM JSON model, at every level of nesting, and records what was
 * done (PS3.15 E.1.1 and PS3.3 C.12.1.1.4: Patient Identity Removed, De-identification Method and its
 * Code Sequence, Longitudinal Temporal Information Modified). Values left as BulkDataURI (pixel data)
 * pass through untouched. Throws DeidError; returns a new data set and leaves the given one as it was.
 */
export async function deidentifyDataset(dataset: DicomJsonDataset, request: DeidentifyRequest): Promise<DicomJsonDataset> {
  const chosen = new Set(request.options ?? []);
  if (chosen.has(DeidOption.RetainLongitudinalFullDates) && chosen.has(DeidOption.RetainLongitudinalModifiedDates)) {
    throw new DeidError(DeidErrorCode.ConflictingOptions, 'Retain Longitudinal Temporal Information with Full Dates and with Modified Dates exclude each other (PS3.15 E.3.6)');
  }
  if (chosen.has(DeidOption.RetainLongitudinalModifiedDates) && request.dateShift === undefined) {
    throw new DeidError(DeidErrorCode.MissingDateShift, 'Retain Longitudinal Temporal Information with Modified Dates needs a per-patient date shift');
  }
  // PS3.15 E.3.1: only the Clean Pixel Data Option vouches for identifying text burned into the pixels.
  if (stringValue(dataset, Key.BurnedInAnnotation)?.trim().toUpperCase() === 'YES') {
    throw new DeidError(DeidErrorCode.BurnedInAnnotation, 'Burned In Annotation (0028,0301) is YES and pixel data is not cleaned: the object cannot be de-identified');
  }

  const originals = new Set<string>();
  collectUids(dataset, originals);
  const uids = originals.size === 0 ? new Map<string, string>() : await request.uidMapper.mapUids([...originals]);
  const dayOffset = chosen.has(DeidOption.RetainLongitudinalModifiedDates) ? await (request.dateShift as DateShiftSource).offsetDays(patientKey(dataset)) : undefined;

  const walk: Walk = {
    chosen,
    uids,
    dayOffset,
    identifiers: identifiersOf(dataset),
    cleanText: request.cleanText ?? conservativeTextCleaner,
    safeList: request.safePrivateTags ?? [],
    pseudonym: request.patientPseudonym,
  };
  const out = walkDataset(dataset, walk, false);
  markDeidentified(out, dataset, chosen);
  return sortDataset(out);
}

function collectUids(dataset: DicomJsonDataset, into: Set<string>): void {
  for (const [key, element] of Object.entries(dataset)) {
    if (element.vr === 'SQ') {
      for (const item of (element.Value ?? []) as DicomJsonDataset[]) collectUids(item, into);
      continue;
    }
    const tag = parseTagKey(key);
    if (tag === undefined || element.vr !== 'UI' || !UID_ROWS.has(tag)) continue;
    const values = (element.Value ?? []).filter((v): v is string => typeof v === 'string' && v.length > 0);
    // An empty UID is replaced too (U asks for a non-zero length UID), by the replacement of "".
    if (values.length === 0) into.add('');
    for (const v of values) into.add(v);
  }
}

// Dates of one patient move together; without a Patient ID the study is the largest set known to belong together.
function patientKey(dataset: DicomJsonDataset): string {
  const id = stringValue(dataset, Key.PatientID)?.trim();
  if (id) return `patient:${stringValue(dataset, Key.IssuerOfPatientID)?.trim() ?? ''}|${id}`;
  return `study:${stringValue(dataset, Key.StudyInstanceUID) ?? ''}`;
}

/** The identifying values of an object that cleaned text must not contain: names (each part), IDs, dates, places. */
function identifiersOf(dataset: DicomJsonDataset): string[] {
  const out = new Set<string>();
  const addText = (text: string | undefined): void => {
    const t = text?.trim();
    if (t && t.length >= 2) out.add(t);
  };
  for (const key of [Key.PatientName, Key.OtherPatientNames, Key.ReferringPhysicianName, Key.PerformingPhysicianName, Key.NameOfPhysiciansReadingStudy, Key.OperatorsName]) {
    for (const value of dataset[key]?.Value ?? []) {
      if (!value || typeof value !== 'object') continue;
      for (const group of Object.values(value as PersonNameJson)) {
        for (const part of String(group).split(/[\^= ]+/)) addText(part);
      }
    }
  }
  for (const key of [Key.PatientID, Key.OtherPatientIDs, Key.AccessionNumber, Key.PatientBirthDate, Key.InstitutionName, Key.InstitutionAddress, Key.PatientAddress]) {
    for (const value of stringValues(dataset, key)) addText(value);
  }
  return [...out];
}

function walkDataset(dataset: DicomJsonDataset, walk: Walk, cleaning: boolean): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  const keepPrivate = walk.chosen.has(DeidOption.RetainSafePrivate) ? safePrivateTags(dataset, walk.safeList) : new Set<Tag>();
  for (const [key, element] of Object.entries(dataset)) {
    const tag = parseTagKey(key);
    if (tag === undefined) continue;
    if (isPrivateTag(tag)) {
      // Table E.1-1 "Private Attributes": X, or C (keep the safe ones) with Retain Safe Private.
      if (keepPrivate.has(tag)) out[key] = keepElement(element, walk, cleaning);
      continue;
    }
    if (isCurveOrOverlayGroup(tag)) continue;
    if (key === Key.PrivateDataElementCharacteristicsSequence && !walk.chosen.has(DeidOption.RetainSafePrivate)) continue;
    const row = profileRow(tag);
    const replaced = row === undefined ? notInTable(element, walk, cleaning) : applyAction(effectiveAction(row, walk.chosen), key, element, row, walk, cleaning);
    if (replaced !== undefined) out[key] = replaced;
  }
  return out;
}

// Attributes that Table E.1-1 does not list are kept (PS3.15 E.1.1), except free text inside a sequence
// that an option cleans (Clean Structured Content, Clean Graphics): there all text is cleaned.
function notInTable(element: DicomJsonElement, walk: Walk, cleaning: boolean): DicomJsonElement | undefined {
  if (cleaning && FREE_TEXT_VRS.has(element.vr)) return cleanText(element, walk) ?? { vr: element.vr };
  return keepElement(element, walk, cleaning);
}

// K: "keep (unchanged for non-Sequence Attributes, cleaned for Sequences)" - a sequence's items go through the profile.
function keepElement(element: DicomJsonElement, walk: Walk, cleaning: boolean): DicomJsonElement {
  if (element.vr !== 'SQ' || element.Value === undefined) return element;
  return { vr: 'SQ', Value: (element.Value as DicomJsonDataset[]).map((item) => walkDataset(item, walk, cleaning)) };
}

/**
 * The combined actions depend on the Type of the attribute in the IOD (PS3.15 E.1.1). Without an IOD
 * model, each resolves to the choice that keeps every IOD conformant: D where a Type 1 is possible
 * (Z/D, X/D, X/Z/D), Z where Type 2 is (X/Z), and for X/Z/U* the sequence is kept with its contained
 * instance UIDs replaced (which also keeps references between the de-identified instances).
 */
function resolveCombined(action: ProfileAction): 'D' | 'Z' | 'X' | 'K' | 'C' | 'U' | 'U*' {
  switch (action) {
    case 'Z/D':
    case 'X/D':
    case 'X/Z/D':
      return 'D';
    case 'X/Z':
      return 'Z';
    case 'X/Z/U*':
      return 'U*';
    default:
      return action;
  }
}

function applyAction(action: ProfileAction, key: string, element: DicomJsonElement, row: ProfileRow, walk: Walk, cleaning: boolean): DicomJsonElement | undefined {
  const resolved = resolveCombined(action);
  switch (resolved) {
    case 'X':
      return undefined;
    case 'Z':
      return zeroLength(key, element, walk);
    case 'D':
      return dummy(key, element, walk);
    case 'K':
      return keepElement(element, walk, cleaning);
    case 'U*':
      return keepElement(element, walk, cleaning);
    case 'U':
      return element.vr === 'UI' ? replaceUids(element, walk) : dummy(key, element, walk);
    case 'C': {
      const cleaned = clean(element, walk);
      // What cannot be cleaned gets the Basic Profile's action (never C itself).
      return cleaned === undefined ? applyAction(row[2], key, element, row, walk, cleaning) : cleaned;
    }
  }
}

function zeroLength(key: string, element: DicomJsonElement, walk: Walk): DicomJsonElement {
  const pseudonym = pseudonymFor(key, walk);
  return pseudonym ?? { vr: element.vr };
}

function dummy(key: string, element: DicomJsonElement, walk: Walk): DicomJsonElement {
  const pseudonym = pseudonymFor(key, walk);
  if (pseudonym) return pseudonym;
  if (element.vr === 'UI') return replaceUids(element, walk);
  return dummyElement(element.vr);
}

function pseudonymFor(key: string, walk: Walk): DicomJsonElement | undefined {
  if (!walk.pseudonym) return undefined;
  if (key === Key.PatientID) return { vr: 'LO', Value: [walk.pseudonym.patientID] };
  if (key === Key.PatientName) return { vr: 'PN', Value: [{ Alphabetic: walk.pseudonym.patientName ?? walk.pseudonym.patientID }] };
  return undefined;
}

function replaceUids(element: DicomJsonElement, walk: Walk): DicomJsonElement {
  const values = (element.Value ?? []).map((v) => (typeof v === 'string' ? walk.uids.get(v) : undefined)).filter((v): v is string => v !== undefined);
  if (values.length > 0) return { vr: 'UI', Value: values };
  const empty = walk.uids.get('');
  return empty === undefined ? { vr: 'UI' } : { vr: 'UI', Value: [empty] };
}

/** The C action: undefined when the value cannot be cleaned and the Basic Profile's action must apply. */
function clean(element: DicomJsonElement, walk: Walk): DicomJsonElement | undefined {
  if (element.vr === 'SQ') {
    if (element.Value === undefined) return element;
    return { vr: 'SQ', Value: (element.Value as DicomJsonDataset[]).map((item) => walkDataset(item, walk, true)) };
  }
  if (element.Value === undefined) return element.BulkDataURI === undefined && element.InlineBinary === undefined ? element : undefined;
  if (walk.dayOffset !== undefined) {
    // PS3.15 E.3.6 with modified dates: every date of the patient moves by the same whole number of days,
    // which leaves times of day (TM) as they were.
    const offset = walk.dayOffset;
    if (element.vr === 'DA') return shiftedValues(element, (v) => shiftDate(v, offset));
    if (element.vr === 'DT') return shiftedValues(element, (v) => shiftDateTime(v, offset));
    if (element.vr === 'TM') return element;
  }
  if (FREE_TEXT_VRS.has(element.vr) || element.vr === 'CS') return cleanText(element, walk);
  return undefined;
}

function shiftedValues(element: DicomJsonElement, shift: (value: string) => string | undefined): DicomJsonElement | undefined {
  const values: string[] = [];
  for (const v of element.Value ?? []) {
    const shifted = typeof v === 'string' ? shift(v) : undefined;
    if (shifted === undefined) return undefined;
    values.push(shifted);
  }
  return { vr: element.vr, Value: values };
}

function cleanText(element: DicomJsonElement, walk: Walk): DicomJsonElement | undefined {
  const values: unknown[] = [];
  for (const v of element.Value ?? []) {
    if (v === null) {
      values.push(v);
    } else if (typeof v === 'string') {
      const cleaned = walk.cleanText(v, walk.identifiers);
      if (cleaned === undefined) return undefined;
      values.push(cleaned);
    } else if (typeof v === 'object') {
      // A person's name is identifying whatever it says; only the dummy text survives cleaning.
      const name = v as PersonNameJson;
      if (Object.values(name).some((group) => group !== DUMMY_TEXT)) return undefined;
      values.push(v);
    } else {
      return undefined;
    }
  }
  return { vr: element.vr, Value: values };
}

/** PS3.15 E.1.1 and PS3.3 C.12.1.1.4: what the de-identifier did, in the top-level data set. */
function markDeidentified(out: DicomJsonDataset, original: DicomJsonDataset, chosen: ReadonlySet<DeidOption>): void {
  const codes: DeidentificationMethodCode[] = [BASIC_PROFILE_CODE, ...[...chosen].map((o) => OPTION_CODES[o])];
  const previousItems = (original[Key.DeidentificationMethodCodeSequence]?.Value ?? []) as DicomJsonDataset[];
  const seen = new Set(previousItems.map((item) => `${stringValue(item, '00080102') ?? ''}|${stringValue(item, '00080100') ?? ''}`));
  const items = [...previousItems];
  for (const code of codes) {
    if (seen.has(`DCM|${code.codeValue}`)) continue;
    items.push({
      '00080100': { vr: 'SH', Value: [code.codeValue] },
      '00080102': { vr: 'SH', Value: ['DCM'] },
      '00080104': { vr: 'LO', Value: [code.codeMeaning] },
    });
  }
  const previousText = stringValues(original, Key.DeidentificationMethod);
  out[Key.PatientIdentityRemoved] = { vr: 'CS', Value: ['YES'] };
  out[Key.DeidentificationMethod] = { vr: 'LO', Value: [...previousText, ...codes.map((c) => c.codeMeaning).filter((m) => !previousText.includes(m))] };
  out[Key.DeidentificationMethodCodeSequence] = { vr: 'SQ', Value: items };
  out[Key.LongitudinalTemporalInformationModified] = {
    vr: 'CS',
    Value: [chosen.has(DeidOption.RetainLongitudinalModifiedDates) ? 'MODIFIED' : chosen.has(DeidOption.RetainLongitudinalFullDates) ? 'UNMODIFIED' : 'REMOVED'],
  };
}
