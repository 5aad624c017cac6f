import type { DicomJsonDataset, DicomJsonElement, PersonNameJson } from '@tessera/dicom';
import { problem } from './content-problem';
import type { Hl7Message, Hl7Repetition, Hl7Segment } from './hl7-message';

/** A patient as a message names it: Patient ID and Issuer of Patient ID ("" when none). */
export interface Hl7PatientIdentity {
  readonly patientID: string;
  readonly issuerOfPatientID: string;
}

/**
 * What a PID segment says of a patient, as DICOM patient-level attributes: those it values
 * (`set`), and those it deletes with the HL7 null "" (`remove`, tag keys). A field left empty says
 * nothing, so the attribute keeps its value (HL7 v2.5.1 2.5.3, 2.6.1).
 */
export interface Hl7PatientUpdate {
  readonly identity: Hl7PatientIdentity;
  readonly set: DicomJsonDataset;
  readonly remove: readonly string[];
  /** The sequence of the PID segment, for errors about it. */
  readonly sequence: number;
}

// HL7 v2.5.1 2.5.3: a field of two double quotes is the null value, "delete what you have".
const NULL = '""';
const PATIENT_NAME = '00100010';
const PATIENT_ID = '00100020';
const ISSUER = '00100021';
const BIRTH_DATE = '00100030';
const BIRTH_TIME = '00100032';
const SEX = '00100040';
const MOTHER_BIRTH_NAME = '00101060';

// HL7 Table 0001 (administrative sex) to Patient's Sex (0010,0040), PS3.3 C.7.1.1: M, F, O.
// Unknown (U) is the empty value that Type 2 allows.
const SEXES: Readonly<Record<string, string>> = { M: 'M', F: 'F', O: 'O', A: 'O', N: 'O', X: 'O', U: '' };
const DTM = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(\d{2})?(\.\d{1,4})?)?([+-]\d{4})?$/;

/** The segments of a message named `name`, with their 1-based sequence. */
export function segmentsOf(message: Hl7Message, name: string): { segment: Hl7Segment; sequence: number }[] {
  return message.segments.map((segment, i) => ({ segment, sequence: i + 1 })).filter((s) => s.segment.name === name);
}

/** The first segment named `name`, or a "segment missing" problem. */
export function requiredSegment(message: Hl7Message, name: string, after = 0): { segment: Hl7Segment; sequence: number } {
  const found = segmentsOf(message, name).find((s) => s.sequence > after);
  return found ?? problem('segment-missing', { segment: name, sequence: after + 1 }, `the ${message.messageType.code}^${message.messageType.trigger} message has no ${name} segment${after > 0 ? ` after segment ${after}` : ''}; it is required`);
}

/**
 * A patient identifier list (CX, PID-3 or MRG-1): its first repetition's ID (CX.1) and assigning
 * authority (CX.4), whose namespace ID (HD.1), or else universal ID (HD.2), is the Issuer of Patient ID.
 */
export function readIdentity(segment: Hl7Segment, sequence: number, field: number): Hl7PatientIdentity {
  const at = { segment: segment.name, sequence, field };
  const patientID = segment.value(field, 1).trim();
  if (patientID === '') problem('required-field-missing', at, `${segment.name}-${field} (patient identifier list) has no ID; it is required`);
  const issuerOfPatientID = (segment.value(field, 4, 1) || segment.value(field, 4, 2)).trim();
  if (patientID.length > 64) problem('data-type-error', { ...at, component: 1 }, `${segment.name}-${field} "${patientID}" is longer than the 64 characters of a Patient ID (PS3.5 6.2 LO)`);
  if (issuerOfPatientID.length > 64) problem('data-type-error', { ...at, component: 4 }, `the assigning authority of ${segment.name}-${field} is longer than the 64 characters of an Issuer of Patient ID (PS3.5 6.2 LO)`);
  return { patientID, issuerOfPatientID };
}

/**
 * Reads a PID segment (HL7 v2.5.1 3.4.2): PID-3 the identity, PID-5 Patient's Name, PID-6 Patient's
 * Mother's Birth Name, PID-7 Patient's Birth Date and Time, PID-8 Patient's Sex.
 */
export function readPatient(message: Hl7Message, after = 0): Hl7PatientUpdate {
  const { segment, sequence } = requiredSegment(message, 'PID', after);
  const identity = readIdentity(segment, sequence, 3);
  const set: DicomJsonDataset = {
    [PATIENT_ID]: { vr: 'LO', Value: [identity.patientID] },
    ...(identity.issuerOfPatientID ? { [ISSUER]: { vr: 'LO', Value: [identity.issuerOfPatientID] } } : {}),
  };
  const remove: string[] = [];
  const put = (key: string, field: number, read: () => DicomJsonElement | undefined): void => {
    const raw = segment.field(field);
    if (raw.length === 0) return;
    if (segment.value(field) === NULL && raw.length === 1 && (raw[0] as Hl7Repetition).length === 1) {
      remove.push(key);
      return;
    }
    const element = read();
    if (element) set[key] = element;
    else remove.push(key);
  };
  put(PATIENT_NAME, 5, () => personName(segment, sequence, 5));
  put(MOTHER_BIRTH_NAME, 6, () => personName(segment, sequence, 6));
  const birth = segment.value(7);
  if (birth === NULL) remove.push(BIRTH_DATE, BIRTH_TIME);
  else if (birth !== '') {
    const m = DTM.exec(birth);
    if (!m || !validDate(m[1] as string, m[2] as string, m[3] as string)) problem('data-type-error', { segment: 'PID', sequence, field: 7 }, `PID-7 "${birth}" is not a date of birth YYYYMMDD[HHMM[SS]]`);
    set[BIRTH_DATE] = { vr: 'DA', Value: [`${m[1]}${m[2]}${m[3]}`] };
    if (m[4] !== undefined) set[BIRTH_TIME] = { vr: 'TM', Value: [`${m[4]}${m[5] ?? ''}${m[6] ?? ''}${m[6] !== undefined ? (m[7] ?? '') : ''}`] };
  }
  put(SEX, 8, () => {
    const code = segment.value(8);
    const sex = SEXES[code];
    if (sex === undefined) problem('table-value-not-found', { segment: 'PID', sequence, field: 8 }, `PID-8 "${code}" is not an administrative sex of HL7 Table 0001 (F, M, O, U, A, N)`);
    return sex === '' ? undefined : { vr: 'CS', Value: [sex] };
  });
  return { identity, set, remove, sequence };
}

/**
 * An XPN field as a DICOM person name (PS3.5 6.2.1): family^given^middle^prefix^suffix from XPN.1
 * (its surname), XPN.2, XPN.3, XPN.5 and XPN.4. A repetition whose name representation code (XPN.8,
 * HL7 Table 4000) is I or P gives the ideographic or phonetic group; the first other one the alphabetic.
 */
function personName(segment: Hl7Segment, sequence: number, field: number): DicomJsonElement | undefined {
  const groups: { -readonly [K in keyof PersonNameJson]: string } = {};
  for (const repetition of segment.field(field)) {
    const part = (c: number): string => (repetition[c - 1]?.[0] ?? '').trim();
    const text = [part(1), part(2), part(3), part(5), part(4)].join('^').replace(/\^+$/, '');
    if (text === '') continue;
    if (text.length > 64) problem('data-type-error', { segment: segment.name, sequence, field }, `${segment.name}-${field} gives a name longer than the 64 characters of a person name group (PS3.5 6.2 PN)`);
    if (/[\\=]/.test(text)) problem('data-type-error', { segment: segment.name, sequence, field }, `${segment.name}-${field} holds "\\" or "=", which a DICOM person name cannot`);
    const group = part(8) === 'I' ? 'Ideographic' : part(8) === 'P' ? 'Phonetic' : 'Alphabetic';
    groups[group] ??= text;
  }
  return Object.keys(groups).length > 0 ? { vr: 'PN', Value: [groups] } : undefined;
}

function validDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

/** Applies an update to a patient's attributes: the removed ones go, the set ones replace theirs. */
export function applyPatientUpdate(current: DicomJsonDataset, update: Pick<Hl7PatientUpdate, 'set' | 'remove'>): DicomJsonDataset {
  const out: DicomJsonDataset = { ...current };
  for (const key of update.remove) delete out[key];
  Object.assign(out, structuredClone(update.set));
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
