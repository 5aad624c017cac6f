import { hl7Timestamp } from './acknowledgement';
import { encodeText, type Hl7CharacterSet } from './character-set';
import { DEFAULT_ENCODING_CHARACTERS, encodingCharactersText } from './encoding-characters';
import { escapeValue } from './escape';

/** What an order status message says: who sends it, the patient, the order and the study that fulfils it. */
export interface OrderStatusInput {
  readonly controlId: string;
  readonly now: Date;
  /** MSH-3, MSH-4. */
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly patient: {
    readonly patientID: string;
    readonly issuerOfPatientID: string;
    /** Patient's Name, the DICOM PN Alphabetic group (family^given^middle^prefix^suffix). */
    readonly name?: string;
    /** DICOM DA, YYYYMMDD. */
    readonly birthDate?: string;
    /** DICOM CS: M, F or O. */
    readonly sex?: string;
  };
  readonly order: {
    readonly accessionNumber: string;
    readonly placerOrderNumber?: string;
    readonly fillerOrderNumber?: string;
    readonly requestedProcedureID?: string;
    readonly requestedProcedureDescription?: string;
    readonly scheduledProcedureStepID: string;
  };
  /** The study whose images are available. */
  readonly studyInstanceUID: string;
  /** Modalities in the study; the first is OBR-24. */
  readonly modalities: readonly string[];
}

const UTF8: Hl7CharacterSet = { code: 'UNICODE UTF-8', encoding: 'utf8' };
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * The "procedure completed, images available" order status message of IHE Scheduled Workflow (RAD TF-2
 * 4.3, Filler Order Management with the HL7 v2.3.1 option): ORM^O01 with ORC-1 SC (status changed)
 * and ORC-5 CM (completed), the order's placer and filler numbers (ORC-2/3, OBR-2/3), Accession
 * Number, Requested Procedure ID and Scheduled Procedure Step ID (OBR-18/19/20, IHE RAD TF-2 Table
 * B-1), the modality (OBR-24), and the Study Instance UID in ZDS-1 (RAD TF-2 4.4.4.1.2.3). Original
 * acknowledgement mode: the RIS answers AA, AE or AR. ASCII when every value is; otherwise UTF-8,
 * declared in MSH-18. Returns the message's bytes, unframed.
 */
export function buildOrderStatusMessage(input: OrderStatusInput): Buffer {
  const enc = DEFAULT_ENCODING_CHARACTERS;
  const esc = (v: string | undefined): string => escapeValue(v ?? '', enc);
  const components = (...values: (string | undefined)[]): string => trimmed(values.map(esc), enc.component);
  const { patient, order } = input;
  const at = hl7Timestamp(input.now);
  const segments = (msh18: string): string[] => [
    // MSH-1 is the field separator itself: MSH-2 is the first field written after "MSH|".
    `MSH${enc.field}${encodingCharactersText(enc)}${enc.field}${row(3, { 3: esc(input.sendingApplication), 4: esc(input.sendingFacility), 7: at, 9: 'ORM^O01', 10: esc(input.controlId), 11: 'P', 12: '2.3.1', 18: msh18 })}`,
    `PID${enc.field}${row(1, { 1: '1', 3: components(patient.patientID, '', '', patient.issuerOfPatientID), 5: xpn(patient.name, esc, enc.component), 7: esc(patient.birthDate), 8: esc(patient.sex) })}`,
    `ORC${enc.field}${row(1, { 1: 'SC', 2: esc(order.placerOrderNumber), 3: esc(order.fillerOrderNumber), 5: 'CM', 9: at })}`,
    `OBR${enc.field}${row(1, {
      1: '1',
      2: esc(order.placerOrderNumber),
      3: esc(order.fillerOrderNumber),
      4: components(order.requestedProcedureID, order.requestedProcedureDescription ?? order.requestedProcedureID ?? order.accessionNumber),
      18: esc(order.accessionNumber),
      19: esc(order.requestedProcedureID),
      20: esc(order.scheduledProcedureStepID),
      24: esc(input.modalities[0]),
    })}`,
    `ZDS${enc.field}${row(1, { 1: components(input.studyInstanceUID, 'TESSERA', 'Application', 'DICOM') })}`,
  ];
  const ascii = `${segments('').join('\r')}\r`;
  if (ASCII_ONLY.test(ascii)) return encodeText(ascii, { code: '', encoding: 'ascii' });
  return encodeText(`${segments(UTF8.code).join('\r')}\r`, UTF8);
}

// Fields numbered from `from`, up to the last one valued.
function row(from: number, values: Readonly<Record<number, string>>, separator = '|'): string {
  const valued = Object.entries(values).filter(([, v]) => v !== '').map(([n]) => Number(n));
  const last = Math.max(from, ...valued);
  const out: string[] = [];
  for (let n = from; n <= last; n++) out.push(values[n] ?? '');
  return out.join(separator);
}

function trimmed(values: readonly string[], separator: string): string {
  let end = values.length;
  while (end > 0 && values[end - 1] === '') end--;
  return values.slice(0, end).join(separator);
}

// DICOM PN (family^given^middle^prefix^suffix, PS3.5 6.2.1) as HL7 XPN (family^given^middle^suffix^prefix).
function xpn(name: string | undefined, esc: (v: string) => string, component: string): string {
  if (!name) return '';
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = name.split('^');
  return trimmed([family, given, middle, suffix, prefix].map(esc), component);
}
