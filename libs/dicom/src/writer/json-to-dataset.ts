import { characterSetEncoder, type TextEncoderFn } from '../charset-encoder';
import { DicomError, DicomErrorCode } from '../errors';
import type { DicomJsonDataset, DicomJsonElement, PersonNameJson } from '../json/dicom-json';
import { parseTagKey, tagKey, tagLabel, Tags, type Tag } from '../tag';
import type { TransferSyntax } from '../transfer-syntax';
import { hasLongLength, isMultiValuedString, isVR, numberSize, usesSpecificCharacterSet, type VR } from '../vr';

type Encoding = Pick<TransferSyntax, 'explicitVR' | 'littleEndian'>;

const UNDEFINED_LENGTH = 0xffffffff;
const SPECIFIC_CHARACTER_SET = tagKey(Tags.SpecificCharacterSet);

/**
 * Encodes a DICOM JSON data set (PS3.18 F.2) in a native transfer syntax (PS3.5 7): the inverse of
 * DicomJsonBuilder for the data sets of C-FIND, worklist and N-EVENT-REPORT responses. Elements are
 * written in ascending tag order; sequences and items have undefined length and end with delimitation
 * items (PS3.5 7.5.1, 7.5.2), so nothing has to be measured before it is written. Text of VRs affected by
 * Specific Character Set goes through `encode`, which must match the data set's (0008,0005); an item that
 * carries its own (0008,0005) is encoded with that one instead, as a receiver will read it.
 * Throws DicomError (MalformedDataset) for what cannot be encoded: a BulkDataURI, a value of the wrong
 * type or out of range for its VR, text the character set cannot represent, a value too long for its length field.
 */
export function encodeJsonDataset(dataset: DicomJsonDataset, ts: Encoding, encode: TextEncoderFn): Buffer {
  const out = new ByteSink(ts);
  writeDataset(out, dataset, encode);
  return out.toBuffer();
}

/**
 * Every text `encodeJsonDataset` would hand to its `encode` function for this data set (one per element,
 * values joined with backslash and PN groups with "="), so that a caller can choose the character set
 * first with `chooseCharacterSet`. Items with their own Specific Character Set are not included.
 */
export function textsOf(dataset: DicomJsonDataset): string[] {
  const texts: string[] = [];
  const visit = (ds: DicomJsonDataset): void => {
    for (const [key, element] of Object.entries(ds)) {
      if (element.vr === 'SQ') {
        for (const item of items(key, element)) if (!(SPECIFIC_CHARACTER_SET in item)) visit(item);
      } else if (usesSpecificCharacterSet(element.vr) && element.Value !== undefined && element.Value.length > 0) {
        texts.push(joinedText(key, element.vr, element.Value));
      }
    }
  };
  visit(dataset);
  return texts;
}

class ByteSink {
  private readonly chunks: Buffer[] = [];

  constructor(readonly ts: Encoding) {}

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  bytes(value: Buffer): void {
    this.chunks.push(value);
  }

  /**
   * An element header (PS3.5 7.1.2 for Explicit VR, 7.1.3 for Implicit VR). In Explicit VR the VRs with
   * a 32-bit length have two reserved bytes of 0000H before it; the others have a 16-bit length.
   */
  header(tag: Tag, vr: VR, length: number): void {
    const { explicitVR, littleEndian } = this.ts;
    const long = !explicitVR || hasLongLength(vr);
    if (length !== UNDEFINED_LENGTH && length > (long ? UNDEFINED_LENGTH - 1 : 0xffff)) {
      throw malformed(`${tagLabel(tag)} (${vr}) is ${length} bytes long, more than its length field can hold`);
    }
    const header = Buffer.alloc(explicitVR && long ? 12 : 8);
    this.writeTag(header, tag);
    if (explicitVR) header.write(vr, 4, 'latin1');
    if (long && littleEndian) header.writeUInt32LE(length, header.length - 4);
    else if (long) header.writeUInt32BE(length, header.length - 4);
    else if (littleEndian) header.writeUInt16LE(length, 6);
    else header.writeUInt16BE(length, 6);
    this.chunks.push(header);
  }

  /** An item or delimitation tag with its 32-bit length (PS3.5 7.5), never preceded by a VR. */
  itemTag(tag: Tag, length: number): void {
    const header = Buffer.alloc(8);
    this.writeTag(header, tag);
    if (this.ts.littleEndian) header.writeUInt32LE(length, 4);
    else header.writeUInt32BE(length, 4);
    this.chunks.push(header);
  }

  private writeTag(buf: Buffer, tag: Tag): void {
    if (this.ts.littleEndian) {
      buf.writeUInt16LE(tag >>> 16, 0);
      buf.writeUInt16LE(tag & 0xffff, 2);
    } else {
      buf.writeUInt16BE(tag >>> 16, 0);
      buf.writeUInt16BE(tag & 0xffff, 2);
    }
  }
}

function writeDataset(out: ByteSink, dataset: DicomJsonDataset, encode: TextEncoderFn): void {
  const elements: { tag: Tag; key: string; element: DicomJsonElement }[] = [];
  for (const [key, element] of Object.entries(dataset)) {
    const tag = parseTagKey(key);
    if (tag === undefined || tag >>> 16 === 0xfffe) throw malformed(`"${key}" is not the tag of a data element`);
    // Group lengths would be stale once re-encoded, and PS3.5 7.2 has retired them outside groups 0000 and 0002.
    if ((tag & 0xffff) === 0) continue;
    elements.push({ tag, key, element });
  }
  elements.sort((a, b) => a.tag - b.tag);
  for (const { tag, key, element } of elements) writeElement(out, tag, key, element, encode);
}

function writeElement(out: ByteSink, tag: Tag, key: string, element: DicomJsonElement, encode: TextEncoderFn): void {
  const { vr } = element;
  if (!isVR(vr)) throw malformed(`${tagLabel(tag)} has the unknown VR ${JSON.stringify(vr)}`);
  if (element.BulkDataURI !== undefined) {
    throw malformed(`${tagLabel(tag)} refers to bulk data (${element.BulkDataURI}); its value must be inline or the attribute left out`);
  }
  if (vr === 'SQ') {
    writeSequence(out, tag, key, element, encode);
    return;
  }
  const value = valueBytes(tag, key, element, out.ts.littleEndian, encode);
  out.header(tag, vr, value.length);
  out.bytes(value);
}

function writeSequence(out: ByteSink, tag: Tag, key: string, element: DicomJsonElement, encode: TextEncoderFn): void {
  const sequenceItems = items(key, element);
  if (sequenceItems.length === 0) {
    out.header(tag, 'SQ', 0);
    return;
  }
  out.header(tag, 'SQ', UNDEFINED_LENGTH);
  for (const item of sequenceItems) {
    out.itemTag(Tags.Item, UNDEFINED_LENGTH);
    // PS3.3 C.12.1.1.2: Specific Character Set in an item applies to that item and what it nests.
    const own = item[SPECIFIC_CHARACTER_SET];
    writeDataset(out, item, own === undefined ? encode : characterSetEncoder((own.Value ?? []).map((v) => (typeof v === 'string' ? v : ''))));
    out.itemTag(Tags.ItemDelimitationItem, 0);
  }
  out.itemTag(Tags.SequenceDelimitationItem, 0);
}

function items(key: string, element: DicomJsonElement): DicomJsonDataset[] {
  if (element.InlineBinary !== undefined) throw malformed(`${key} is a sequence but has InlineBinary`);
  const values = element.Value ?? [];
  for (const item of values) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw malformed(`${key} has an item that is not a data set`);
  }
  return values as DicomJsonDataset[];
}

function valueBytes(tag: Tag, key: string, element: DicomJsonElement, littleEndian: boolean, encode: TextEncoderFn): Buffer {
  const { vr } = element;
  if (element.InlineBinary !== undefined) {
    if (element.Value !== undefined) throw malformed(`${key} has both Value and InlineBinary`);
    return binaryBytes(key, vr, element.InlineBinary, littleEndian);
  }
  const values = element.Value ?? [];
  if (values.length === 0) return Buffer.alloc(0);
  switch (vr) {
    case 'OB':
    case 'OD':
    case 'OF':
    case 'OL':
    case 'OV':
    case 'OW':
    case 'UN':
      throw malformed(`${key} (${vr}) has a Value; binary values are InlineBinary (PS3.18 F.2.7)`);
    case 'SQ':
      throw malformed(`${key} is a sequence`);
    case 'US':
    case 'SS':
    case 'UL':
    case 'SL':
    case 'FL':
    case 'FD':
    case 'SV':
    case 'UV':
    case 'AT':
      return numberBytes(key, vr, values, littleEndian);
    case 'AE':
    case 'AS':
    case 'CS':
    case 'DA':
    case 'DS':
    case 'DT':
    case 'IS':
    case 'LO':
    case 'LT':
    case 'PN':
    case 'SH':
    case 'ST':
    case 'TM':
    case 'UC':
    case 'UI':
    case 'UR':
    case 'UT':
      return stringBytes(tag, key, vr, values, encode);
  }
}

// PS3.5 6.2: values are padded to even length, UI with NUL and the other strings with a space.
function stringBytes(tag: Tag, key: string, vr: VR, values: readonly unknown[], encode: TextEncoderFn): Buffer {
  const text = joinedText(key, vr, values);
  let bytes: Buffer;
  if (usesSpecificCharacterSet(vr)) {
    const encoded = encode(text, vr === 'PN');
    if (encoded === undefined) {
      throw malformed(`${tagLabel(tag)} ${JSON.stringify(text)} cannot be represented in the Specific Character Set; choose it with chooseCharacterSet`);
    }
    bytes = encoded;
  } else {
    // The other VRs are restricted to the default repertoire (PS3.5 6.1.2.3); latin1 is what the builder reads them as.
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) > 0xff) throw malformed(`${tagLabel(tag)} (${vr}) ${JSON.stringify(text)} has characters outside the default repertoire`);
    }
    bytes = Buffer.from(text, 'latin1');
  }
  if (bytes.length % 2 === 0) return bytes;
  return Buffer.concat([bytes, Buffer.from([vr === 'UI' ? 0x00 : 0x20])]);
}

/** The text of a string element as it is written before padding: values joined by backslash (PS3.5 6.4). */
function joinedText(key: string, vr: VR, values: readonly unknown[]): string {
  if (!isMultiValuedString(vr)) {
    // LT, ST, UT and UR hold a single value in which backslash is an ordinary character.
    if (values.length > 1) throw malformed(`${key} (${vr}) has ${values.length} values; ${vr} has one`);
    const [value] = values;
    if (value === null || value === undefined) return '';
    if (typeof value !== 'string') throw malformed(`${key} (${vr}) has a value that is not a string`);
    return value;
  }
  return values
    .map((value) => {
      const text = componentText(key, vr, value);
      if (text.includes('\\')) throw malformed(`${key} (${vr}) has a value containing a backslash, the value delimiter`);
      return text;
    })
    .join('\\');
}

// null is an empty value inside a multi-valued string (PS3.18 F.2.5).
function componentText(key: string, vr: VR, value: unknown): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (vr === 'PN' && typeof value === 'object') return personNameText(key, value as PersonNameJson);
  if (typeof value === 'number' && vr === 'IS') {
    if (!Number.isSafeInteger(value)) throw malformed(`${key} (IS) has ${value}, which is not an integer`);
    return String(value);
  }
  if (typeof value === 'number' && vr === 'DS') {
    const text = decimalString(value);
    if (text === undefined) throw malformed(`${key} (DS) has ${value}, which is not a finite number`);
    return text;
  }
  throw malformed(`${key} (${vr}) has a value of type ${typeof value}`);
}

// PS3.5 6.2.1: the Alphabetic, Ideographic and Phonetic groups separated by "=", trailing empty groups left out.
function personNameText(key: string, name: PersonNameJson): string {
  const groups = [name.Alphabetic, name.Ideographic, name.Phonetic].map((group) => {
    if (group !== undefined && typeof group !== 'string') throw malformed(`${key} (PN) has a name group that is not a string`);
    if (group?.includes('=')) throw malformed(`${key} (PN) has a name group containing "=", the group delimiter`);
    return group ?? '';
  });
  while (groups.length > 0 && groups[groups.length - 1] === '') groups.pop();
  return groups.join('=');
}

const DS_MAX_LENGTH = 16; // PS3.5 Table 6.2-1

/**
 * A DS value for a number: the shortest decimal that reads back as the same double when it fits in 16
 * characters, otherwise the most precise one that fits (exponent notation where it is shorter), so
 * precision is lost only when 16 characters cannot hold it.
 */
function decimalString(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  if (Object.is(n, -0)) return '-0';
  const exact = shortest([compactDecimal(String(n)), compactDecimal(n.toExponential())]);
  if (exact.length <= DS_MAX_LENGTH) return exact;
  for (let digits = 16; digits >= 1; digits--) {
    const fitting = [compactDecimal(n.toPrecision(digits)), compactDecimal(n.toExponential(digits - 1))].filter((s) => s.length <= DS_MAX_LENGTH);
    if (fitting.length === 0) continue;
    const finite = fitting.filter((s) => Number.isFinite(Number(s)));
    if (finite.length > 0) return shortest(finite);
    // Near the largest double, rounding goes up to Infinity; cutting the mantissa short stays finite.
    const [mantissa = '', exponent = ''] = exact.split('e');
    return compactDecimal(`${mantissa.slice(0, DS_MAX_LENGTH - exponent.length - 1)}e${exponent}`);
  }
  return undefined; // unreachable: one significant digit in exponent notation always fits
}

// Drops what adds characters without precision: trailing fraction zeros, "+" and leading zeros of the exponent.
function compactDecimal(text: string): string {
  const [mantissa = '', exponent] = text.split('e');
  const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return exponent === undefined ? m : `${m}e${Number.parseInt(exponent, 10)}`;
}

function shortest(texts: readonly string[]): string {
  return texts.reduce((a, b) => (b.length < a.length ? b : a));
}

function numberBytes(key: string, vr: VR, values: readonly unknown[], littleEndian: boolean): Buffer {
  const size = numberSize(vr);
  const out = Buffer.alloc(values.length * size);
  const le = littleEndian;
  values.forEach((value, i) => {
    const o = i * size;
    switch (vr) {
      case 'US': {
        const n = integerIn(key, vr, value, 0, 0xffff);
        if (le) out.writeUInt16LE(n, o);
        else out.writeUInt16BE(n, o);
        break;
      }
      case 'SS': {
        const n = integerIn(key, vr, value, -0x8000, 0x7fff);
        if (le) out.writeInt16LE(n, o);
        else out.writeInt16BE(n, o);
        break;
      }
      case 'UL': {
        const n = integerIn(key, vr, value, 0, 0xffffffff);
        if (le) out.writeUInt32LE(n, o);
        else out.writeUInt32BE(n, o);
        break;
      }
      case 'SL': {
        const n = integerIn(key, vr, value, -0x80000000, 0x7fffffff);
        if (le) out.writeInt32LE(n, o);
        else out.writeInt32BE(n, o);
        break;
      }
      case 'FL': {
        const n = floatOf(key, vr, value);
        if (Number.isFinite(n) && !Number.isFinite(Math.fround(n))) throw malformed(`${key} (FL) has ${n}, beyond the range of a 32-bit float`);
        if (le) out.writeFloatLE(n, o);
        else out.writeFloatBE(n, o);
        break;
      }
      case 'FD': {
        const n = floatOf(key, vr, value);
        if (le) out.writeDoubleLE(n, o);
        else out.writeDoubleBE(n, o);
        break;
      }
      case 'SV': {
        const n = bigIntegerIn(key, vr, value, -(2n ** 63n), 2n ** 63n - 1n);
        if (le) out.writeBigInt64LE(n, o);
        else out.writeBigInt64BE(n, o);
        break;
      }
      case 'UV': {
        const n = bigIntegerIn(key, vr, value, 0n, 2n ** 64n - 1n);
        if (le) out.writeBigUInt64LE(n, o);
        else out.writeBigUInt64BE(n, o);
        break;
      }
      case 'AT': {
        // PS3.5 6.2: an ordered pair of 16-bit unsigned integers, group then element, each in the byte order.
        const tag = typeof value === 'string' ? parseTagKey(value) : undefined;
        if (tag === undefined) throw malformed(`${key} (AT) has ${JSON.stringify(value)}, not a "GGGGEEEE" tag`);
        if (le) {
          out.writeUInt16LE(tag >>> 16, o);
          out.writeUInt16LE(tag & 0xffff, o + 2);
        } else {
          out.writeUInt16BE(tag >>> 16, o);
          out.writeUInt16BE(tag & 0xffff, o + 2);
        }
        break;
      }
      default:
        throw malformed(`${key} (${vr}) is not a binary number VR`);
    }
  });
  return out;
}

function integerIn(key: string, vr: VR, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw malformed(`${key} (${vr}) has ${JSON.stringify(value)}, not an integer from ${min} to ${max}`);
  }
  return value;
}

// JSON has no NaN or infinities; PS3.18 F.2.3.1 spells them as strings.
function floatOf(key: string, vr: VR, value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw malformed(`${key} (${vr}) has ${JSON.stringify(value)}, not a number`);
}

// SV and UV past 2^53 arrive as decimal strings (PS3.18 F.2.3.1).
function bigIntegerIn(key: string, vr: VR, value: unknown, min: bigint, max: bigint): bigint {
  let n: bigint | undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) n = BigInt(value);
  if (n === undefined || n < min || n > max) throw malformed(`${key} (${vr}) has ${JSON.stringify(value)}, not an integer from ${min} to ${max}`);
  return n;
}

// InlineBinary is little endian whatever the transfer syntax (PS3.18 F.2.7); big endian swaps each word
// of the VR's width (PS3.5 7.3). OB and UN are bytes and are padded with 00H to even length (PS3.5 6.2).
function binaryBytes(key: string, vr: VR, base64: string, littleEndian: boolean): Buffer {
  const width = vr === 'OW' ? 2 : vr === 'OF' || vr === 'OL' ? 4 : vr === 'OD' || vr === 'OV' ? 8 : vr === 'OB' || vr === 'UN' ? 1 : 0;
  if (width === 0) throw malformed(`${key} (${vr}) has InlineBinary, which only the binary VRs have (PS3.18 F.2.7)`);
  const bytes = Buffer.from(base64, 'base64');
  if (width === 1) return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.alloc(1)]);
  if (bytes.length % width !== 0) throw malformed(`${key} (${vr}) has ${bytes.length} bytes, not a whole number of ${width}-byte words`);
  if (littleEndian) return bytes;
  const swapped = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i += width) {
    for (let k = 0; k < width; k++) swapped[i + k] = bytes[i + width - 1 - k] as number;
  }
  return swapped;
}

function malformed(message: string): DicomError {
  return new DicomError(DicomErrorCode.MalformedDataset, message);
}
