import { ASCII, characterSetOf, decodeText, SUPPORTED_CHARACTER_SETS, type Hl7CharacterSet } from './character-set';
import { DEFAULT_ENCODING_CHARACTERS, encodingCharactersOf, encodingCharactersProblem, type EncodingCharacters } from './encoding-characters';
import { unescapeValue } from './escape';
import { Hl7Error, Hl7ErrorCode, type Hl7Location } from './hl7-error';
import { Hl7Message, Hl7Segment, type Hl7Field, type ReceivedHeader } from './hl7-message';

/** A message, or why it is not one together with what of its header a reply can use. */
export type ParseResult = { readonly ok: true; readonly message: Hl7Message } | { readonly ok: false; readonly error: Hl7Error; readonly received: ReceivedHeader };

/** What of a message's header could be read: enough to answer it, or why not even that. */
export type HeaderResult = { readonly ok: true; readonly received: Required<ReceivedHeader> } | { readonly ok: false; readonly error: Hl7Error; readonly received: ReceivedHeader };

// HL7 v2.5.1 2.5.2: a segment ID is three characters; letters (upper case) and digits in practice,
// Z segments included.
const SEGMENT_NAME = /^[A-Z0-9]{3}$/;
// 2.5.1 ends segments with CR; LF and CRLF are what files and some senders use instead.
const SEGMENT_TERMINATOR = /\r\n|\r|\n/;
// The MSH of an undecodable message is read byte for byte, as Latin-1, so that a reply can still
// repeat its fields; the reply itself is then written in ASCII.
const LENIENT: Hl7CharacterSet = { code: '', encoding: 'latin1' };

/**
 * Reads an HL7 v2 message (2.3 to 2.5.1, and later ones as far as their encoding goes). The MSH
 * segment, up to MSH-18, is ASCII in every character set this reads, so it is read first: MSH-1 and
 * MSH-2 give the delimiters, MSH-18 the character set the whole message is then decoded in
 * (HL7 v2.5.1 2.15.9.18). Every segment is then split into fields, repetitions, components and
 * subcomponents, and escape sequences are resolved (2.7).
 */
export function parseMessage(bytes: Uint8Array): ParseResult {
  const head = parseHeader(bytes);
  if (!head.ok) return head;
  const { encoding, characterSet } = head.received;
  const received: ReceivedHeader = head.received;
  try {
    const text = decodeText(bytes, characterSet, (offset) => locate(bytes, offset, encoding.field));
    const lines = text.split(SEGMENT_TERMINATOR).filter((line) => line !== '');
    const segments = lines.map((line, index) => {
      const sequence = index + 1;
      const name = line.slice(0, 3);
      if (!SEGMENT_NAME.test(name) || (line.length > 3 && line[3] !== encoding.field)) {
        throw new Hl7Error(
          Hl7ErrorCode.InvalidSegmentName,
          `segment ${sequence} begins with ${JSON.stringify(line.slice(0, 4))}; a segment begins with its name, three upper-case letters or digits, then the field separator "${encoding.field}"`,
          { segment: name, sequence },
        );
      }
      if (name === 'MSH' && sequence > 1) {
        throw new Hl7Error(Hl7ErrorCode.MisplacedSegment, `segment ${sequence} is a second MSH; one message has one MSH, and each message needs a frame of its own`, { segment: name, sequence });
      }
      return parseSegment(line, sequence, encoding, characterSet);
    });
    return { ok: true, message: new Hl7Message(segments, encoding, characterSet) };
  } catch (err) {
    if (err instanceof Hl7Error) return { ok: false, error: err, received };
    throw err;
  }
}

/**
 * Reads only the MSH segment: the delimiters, the character set and the header fields. Enough to
 * answer a message whose body is not read, such as one larger than a receiver takes.
 */
export function parseHeader(bytes: Uint8Array): HeaderResult {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const none: ReceivedHeader = { encoding: DEFAULT_ENCODING_CHARACTERS, characterSet: ASCII };
  const end = buffer.findIndex((b) => b === 0x0d || b === 0x0a);
  const firstLine = buffer.subarray(0, end < 0 ? buffer.length : end).toString('latin1');
  if (buffer.every((b) => b === 0x0d || b === 0x0a || b === 0x20 || b === 0x09)) {
    return { ok: false, error: new Hl7Error(Hl7ErrorCode.EmptyMessage, 'the message is empty; it must begin with an MSH segment'), received: none };
  }
  if (!firstLine.startsWith('MSH')) {
    const name = firstLine.slice(0, 3);
    const batch = name === 'FHS' || name === 'BHS' ? ' (batches, FHS/BHS, are not accepted: send each message in its own frame)' : '';
    return { ok: false, error: new Hl7Error(Hl7ErrorCode.MissingHeader, `the message begins with ${JSON.stringify(name)}, not with its MSH segment${batch}`, { segment: name, sequence: 1 }), received: none };
  }
  const field = firstLine.charAt(3);
  const raw = firstLine.slice(4).split(field);
  const msh2 = raw[0] ?? '';
  const problem = encodingCharactersProblem(field, msh2);
  if (problem) {
    // With a usable field separator the fields can still be told apart, each kept whole as received.
    const header = problem.field === 1 ? undefined : new Hl7Segment('MSH', [[[[field]]], ...raw.map((f): Hl7Field => (f === '' ? [] : [[[f]]]))]);
    return { ok: false, error: new Hl7Error(Hl7ErrorCode.InvalidEncodingCharacters, problem.reason, { segment: 'MSH', sequence: 1, field: problem.field }), received: { ...none, ...(header ? { header } : {}) } };
  }
  const encoding = encodingCharactersOf(field, msh2);
  const lenient = (): Hl7Segment | undefined => {
    try {
      return parseSegment(firstLine, 1, encoding, LENIENT);
    } catch {
      return undefined;
    }
  };
  // MSH-18 repeats only for ISO 2022 code extensions (2.15.9.18), which this does not decode.
  const msh18 = (raw[16] ?? '').split(encoding.repetition);
  const characterSet = msh18.filter((r) => r.trim() !== '').length > 1 ? undefined : characterSetOf(msh18[0] ?? '');
  if (!characterSet) {
    const header = lenient();
    return {
      ok: false,
      error: new Hl7Error(Hl7ErrorCode.UnsupportedCharacterSet, `MSH-18 ${JSON.stringify(raw[16])} is not a character set this receiver reads; it reads ${SUPPORTED_CHARACTER_SETS.join(', ')}`, { segment: 'MSH', sequence: 1, field: 18 }),
      received: { encoding, characterSet: ASCII, ...(header ? { header } : {}) },
    };
  }
  try {
    const text = decodeText(buffer.subarray(0, firstLine.length), characterSet, (offset) => locate(bytes, offset, field));
    return { ok: true, received: { encoding, characterSet, header: parseSegment(text, 1, encoding, characterSet) } };
  } catch (err) {
    if (!(err instanceof Hl7Error)) throw err;
    const header = lenient();
    return { ok: false, error: err, received: { encoding, characterSet, ...(header ? { header } : {}) } };
  }
}

function parseSegment(line: string, sequence: number, encoding: EncodingCharacters, charset: Hl7CharacterSet): Hl7Segment {
  const name = line.slice(0, 3);
  const raw = line.length > 3 ? line.slice(4).split(encoding.field) : [];
  const field = (text: string, n: number): Hl7Field =>
    text === ''
      ? []
      : text.split(encoding.repetition).map((repetition) =>
          repetition.split(encoding.component).map((component, c) => component.split(encoding.subcomponent).map((s) => unescapeValue(s, encoding, charset, { segment: name, sequence, field: n, component: c + 1 }))),
        );
  // HL7 v2.5.1 2.15.9: MSH-1 is the field separator and MSH-2 the encoding characters, neither split nor unescaped.
  if (name === 'MSH') return new Hl7Segment(name, [[[[encoding.field]]], [[[raw[0] ?? '']]], ...raw.slice(1).map((text, k) => field(text, k + 3))]);
  return new Hl7Segment(name, raw.map((text, k) => field(text, k + 1)));
}

/** The segment and field of a byte offset, for an error about that byte. */
function locate(bytes: Uint8Array, offset: number, fieldSeparator: string): Hl7Location {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const before = text.slice(0, offset).split(SEGMENT_TERMINATOR);
  const current = before[before.length - 1] as string;
  const sequence = before.slice(0, -1).filter((line) => line !== '').length + 1;
  const segment = text.slice(offset - current.length, offset - current.length + 3);
  const separators = current.split(fieldSeparator).length - 1;
  if (separators === 0) return { segment, sequence };
  return { segment, sequence, field: segment === 'MSH' ? separators + 1 : separators };
}
