import { encodeText } from './character-set';
import { encodingCharactersText } from './encoding-characters';
import { escapeValue } from './escape';
import type { Hl7Location } from './hl7-error';
import { encodeField, type Hl7Segment, type ReceivedHeader } from './hl7-message';

/** HL7 Table 0357, message error condition codes: the ones this receiver reports. */
export const ErrorCondition = {
  SegmentSequenceError: { code: '100', text: 'Segment sequence error' },
  RequiredFieldMissing: { code: '101', text: 'Required field missing' },
  DataTypeError: { code: '102', text: 'Data type error' },
  TableValueNotFound: { code: '103', text: 'Table value not found' },
  UnsupportedMessageType: { code: '200', text: 'Unsupported message type' },
  UnsupportedProcessingId: { code: '202', text: 'Unsupported processing id' },
  UnsupportedVersionId: { code: '203', text: 'Unsupported version id' },
  UnknownKeyIdentifier: { code: '204', text: 'Unknown key identifier' },
  DuplicateKeyIdentifier: { code: '205', text: 'Duplicate key identifier' },
  ApplicationInternalError: { code: '207', text: 'Application internal error' },
} as const;
export type ErrorCondition = (typeof ErrorCondition)[keyof typeof ErrorCondition];

/**
 * What became of a message: accepted; an error in the message (HL7 v2.5.1 2.9.2.2 c2: the sender
 * may correct it); or rejected, for a header value the receiver does not accept (2.9.2.2 b: MSH-9,
 * MSH-11, MSH-12) or for a reason unrelated to the content (2.9.2.2 c3).
 */
export type AcknowledgementOutcome = 'accept' | 'error' | 'reject';

/** MSA-1 (HL7 Table 0008): original mode AA/AE/AR, enhanced mode's accept acknowledgement CA/CE/CR. */
export type AcknowledgementCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

/** What an ERR segment reports. */
export interface AcknowledgementError {
  readonly condition: ErrorCondition;
  /** ERR-4 (HL7 Table 0516): E error, W warning, I information. */
  readonly severity: 'E' | 'W' | 'I';
  readonly location?: Hl7Location;
  /** ERR-8: what was wrong, for a person at the sending end. */
  readonly userMessage: string;
}

export interface AcknowledgementInput {
  readonly received: ReceivedHeader;
  readonly outcome: AcknowledgementOutcome;
  readonly error?: AcknowledgementError;
  /** MSH-10 of the acknowledgement itself: unique, unrelated to the message's. */
  readonly controlId: string;
  readonly now: Date;
}

export interface Acknowledgement {
  readonly code: AcknowledgementCode;
  /** The ACK message, segments terminated by CR, in the received message's character set. */
  readonly bytes: Buffer;
}

/**
 * Enhanced mode when MSH-15 or MSH-16 is valued, original mode otherwise (HL7 v2.5.1 2.9.1: without
 * these fields the original acknowledgement rules apply).
 */
export function acknowledgementMode(header: Hl7Segment | undefined): 'original' | 'enhanced' {
  return header !== undefined && (header.value(15) !== '' || header.value(16) !== '') ? 'enhanced' : 'original';
}

/**
 * Whether the sender wants an acknowledgement for this outcome. Original mode: always. Enhanced
 * mode: as MSH-15 (HL7 Table 0155) asks for the accept acknowledgement, AL always, NE never, ER on
 * errors and rejections only, SU on success only; without MSH-15, or with another value, always.
 */
export function acknowledgementWanted(received: ReceivedHeader, outcome: AcknowledgementOutcome): boolean {
  if (acknowledgementMode(received.header) === 'original') return true;
  switch (received.header?.value(15)) {
    case 'NE':
      return false;
    case 'ER':
      return outcome !== 'accept';
    case 'SU':
      return outcome === 'accept';
    default:
      return true;
  }
}

/**
 * The general acknowledgement (ACK) of a message (HL7 v2.5.1 2.14.1, 2.9.2, 2.9.3): its MSH swaps
 * the message's sending and receiving application and facility and keeps its delimiters, processing
 * ID, version and character set; MSA-2 is the message's control ID; an ERR segment says what was
 * wrong. Versions before 2.5 get ERR-1 and MSA-3 too, which is all they define (2.4 ERR has ERR-1 only).
 */
export function buildAcknowledgement(input: AcknowledgementInput): Acknowledgement {
  const { received, outcome, error } = input;
  const enc = received.encoding;
  const header = received.header;
  const text = (value: string): string => escapeValue(value, enc);
  const field = (n: number): string => (header ? encodeField(header.field(n), enc) : '');
  const version = header?.value(12) || '2.5.1';
  const legacy = compareVersions(version, '2.5') < 0;
  const code = acknowledgementCode(acknowledgementMode(header), outcome);
  const trigger = header?.value(9, 2) ?? '';
  // The message structure component of MSH-9 exists from v2.3.1 on.
  const type = compareVersions(version, '2.3.1') < 0 ? ['ACK', trigger] : ['ACK', trigger, 'ACK'];
  const msh = new Map<number, string>([
    [3, field(5)],
    [4, field(6)],
    [5, field(3)],
    [6, field(4)],
    [7, hl7Timestamp(input.now)],
    [9, joinTrimmed(type.map(text), enc.component)],
    [10, text(input.controlId)],
    [11, field(11) || 'P'],
    [12, text(version)],
    [18, text(received.characterSet.code)],
  ]);
  const segments = [`MSH${enc.field}${encodingCharactersText(enc)}${enc.field}${fields(msh, 3, enc.field)}`];
  const msa = new Map<number, string>([
    [1, code],
    [2, text(header?.value(10) ?? '')],
  ]);
  if (legacy && error) msa.set(3, text(error.userMessage));
  segments.push(`MSA${enc.field}${fields(msa, 1, enc.field)}`);
  if (error) {
    const location = error.location;
    const condition = [error.condition.code, error.condition.text, 'HL70357'];
    const err = new Map<number, string>([
      // ERR-2 Error Location (ERL): segment, sequence, field, field repetition, component.
      [2, location ? joinTrimmed([location.segment, location.sequence, location.field ?? '', location.component !== undefined ? 1 : '', location.component ?? ''].map((v) => text(String(v))), enc.component) : ''],
      [3, condition.map(text).join(enc.component)],
      [4, error.severity],
      [8, text(error.userMessage)],
    ]);
    // ERR-1 (ELD, before 2.5): segment, sequence, field, and the code as a CE in subcomponents.
    if (legacy) err.set(1, [location?.segment ?? '', location ? String(location.sequence) : '', location?.field ?? ''].map((v) => text(String(v))).concat(condition.map(text).join(enc.subcomponent)).join(enc.component));
    segments.push(`ERR${enc.field}${fields(err, 1, enc.field)}`);
  }
  return { code, bytes: encodeText(`${segments.join('\r')}\r`, received.characterSet) };
}

function acknowledgementCode(mode: 'original' | 'enhanced', outcome: AcknowledgementOutcome): AcknowledgementCode {
  switch (outcome) {
    case 'accept':
      return mode === 'original' ? 'AA' : 'CA';
    case 'error':
      return mode === 'original' ? 'AE' : 'CE';
    case 'reject':
      return mode === 'original' ? 'AR' : 'CR';
  }
}

/** Fields from..last (by number) joined by the field separator, the absent ones empty. */
function fields(values: ReadonlyMap<number, string>, from: number, separator: string): string {
  const last = Math.max(...[...values].filter(([, v]) => v !== '').map(([n]) => n), from);
  const out: string[] = [];
  for (let n = from; n <= last; n++) out.push(values.get(n) ?? '');
  return out.join(separator);
}

/** A TS/DTM value in UTC (HL7 v2.5.1 2.A.22): YYYYMMDDHHMMSS.SSS+0000. */
export function hl7Timestamp(now: Date): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 23)}+0000`;
}

/** Compares "2.3.1"-style version IDs numerically; one that is not such a version sorts last. */
function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] => (/^\d+(\.\d+)*$/.test(v) ? v.split('.').map(Number) : [Number.MAX_SAFE_INTEGER]);
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Components joined, without the empty ones at the end. */
function joinTrimmed(values: readonly string[], separator: string): string {
  let end = values.length;
  while (end > 0 && values[end - 1] === '') end--;
  return values.slice(0, end).join(separator);
}
