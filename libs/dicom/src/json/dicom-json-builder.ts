import { characterSetDecoder, type TextDecoderFn } from '../charset';
import { implicitVR } from '../dictionary/dictionary';
import { DatasetParser } from '../parser/dataset-parser';
import { IMPLICIT_VR_LITTLE_ENDIAN } from '../transfer-syntax';
import type { DatasetVisitor, ElementHeader } from '../parser/dataset-parser';
import { isPrivateTag, Tags, tagKey, type Tag } from '../tag';
import { isBinaryVR, isMultiValuedString, usesSpecificCharacterSet, type VR } from '../vr';
import type { DicomJsonDataset, DicomJsonElement, PersonNameJson } from './dicom-json';

/** Where the value of an attribute that was left out of the JSON lies in the stored data set. */
export interface BulkDataReference {
  readonly tag: Tag;
  readonly vr: VR;
  /** Offset of the value (for encapsulated Pixel Data: of its first item) in the data set. */
  readonly offset: number;
  readonly length: number;
}

/** Limits on what is kept inline in the JSON; larger values become bulk data references. */
export interface InlineLimits {
  /** OB, OD, OF, OL, OV, OW and UN values longer than this become BulkDataURI (default 1 KiB). */
  readonly binaryBytes: number;
  /** Any other value longer than this becomes BulkDataURI (default 64 KiB). */
  readonly otherBytes: number;
}

const DEFAULT_LIMITS: InlineLimits = { binaryBytes: 1024, otherBytes: 64 * 1024 };

interface Level {
  readonly dataset: DicomJsonDataset;
  decode: TextDecoderFn;
}

/**
 * Builds the DICOM JSON Model (PS3.18 F.2) of a data set while DatasetParser walks it. Values too large
 * to inline get a BulkDataURI made by `bulkDataUri` from their byte range, so the builder never holds
 * pixel data. Group lengths and trailing padding are left out (PS3.18 F.2.1).
 */
export class DicomJsonBuilder implements DatasetVisitor {
  private readonly levels: Level[];
  private readonly sequences: { element: DicomJsonElement; items: DicomJsonDataset[] }[] = [];
  private encapsulated: ElementHeader | undefined;
  private encapsulatedEndOffset = 0;
  private lastTag: Tag = 0;

  constructor(
    private readonly bulkDataUri: (ref: BulkDataReference) => string,
    private readonly limits: InlineLimits = DEFAULT_LIMITS,
  ) {
    this.levels = [{ dataset: {}, decode: characterSetDecoder(undefined) }];
  }

  /** The data set built so far (complete once the parser has ended). */
  get dataset(): DicomJsonDataset {
    return (this.levels[0] as Level).dataset;
  }

  /** The highest top-level tag seen so far: identifying attributes are known once it passes them. */
  get lastTopLevelTag(): Tag {
    return this.lastTag;
  }

  wantsValue(header: ElementHeader): boolean {
    if (header.tag === Tags.PixelData || header.tag === Tags.FloatPixelData || header.tag === Tags.DoubleFloatPixelData) return false;
    return header.length <= (isBinaryVR(header.vr) ? this.limits.binaryBytes : this.limits.otherBytes);
  }

  element(header: ElementHeader, value: Buffer | undefined): void {
    this.noteTopLevel(header.tag);
    if (!included(header.tag)) return;
    const level = this.levels[this.levels.length - 1] as Level;
    const key = tagKey(header.tag);
    if (value === undefined) {
      level.dataset[key] = { vr: header.vr, BulkDataURI: this.bulkDataUri({ tag: header.tag, vr: header.vr, offset: header.valueOffset, length: header.length }) };
      return;
    }
    const element = this.recognized(header, value, level.decode) ?? toJsonElement(header, value, level.decode);
    level.dataset[key] = element;
    if (header.tag === Tags.SpecificCharacterSet) {
      level.decode = characterSetDecoder((element.Value ?? []).map((v) => (typeof v === 'string' ? v : '')));
    }
  }

  sequenceStart(header: ElementHeader): void {
    this.noteTopLevel(header.tag);
    const element: DicomJsonElement = { vr: 'SQ' };
    const level = this.levels[this.levels.length - 1] as Level;
    if (included(header.tag)) level.dataset[tagKey(header.tag)] = element;
    this.sequences.push({ element, items: [] });
  }

  itemStart(): void {
    const parent = this.levels[this.levels.length - 1] as Level;
    const item: DicomJsonDataset = {};
    (this.sequences[this.sequences.length - 1] as { items: DicomJsonDataset[] }).items.push(item);
    this.levels.push({ dataset: item, decode: parent.decode });
  }

  itemEnd(): void {
    this.levels.pop();
  }

  sequenceEnd(): void {
    const sequence = this.sequences.pop();
    if (sequence && sequence.items.length > 0) sequence.element.Value = sequence.items;
  }

  encapsulatedStart(header: ElementHeader): void {
    this.noteTopLevel(header.tag);
    this.encapsulated = header;
    this.encapsulatedEndOffset = header.valueOffset;
  }

  fragment(valueOffset: number, length: number): void {
    this.encapsulatedEndOffset = valueOffset + length;
  }

  encapsulatedEnd(): void {
    const header = this.encapsulated;
    if (!header) return;
    const level = this.levels[this.levels.length - 1] as Level;
    level.dataset[tagKey(header.tag)] = {
      vr: header.vr,
      BulkDataURI: this.bulkDataUri({ tag: header.tag, vr: header.vr, offset: header.valueOffset, length: this.encapsulatedEndOffset - header.valueOffset }),
    };
    this.encapsulated = undefined;
  }

  // PS3.5 6.2.2: a standard element sent as UN (by a sender that did not know it) may be read with its
  // dictionary VR; a sequence sent as UN holds Implicit VR Little Endian items.
  private recognized(header: ElementHeader, value: Buffer, decode: TextDecoderFn): DicomJsonElement | undefined {
    if (header.vr !== 'UN' || isPrivateTag(header.tag)) return undefined;
    const vr = implicitVR(header.tag);
    if (vr === 'UN') return undefined;
    if (vr !== 'SQ') return toJsonElement({ ...header, vr }, value, decode);
    // Offsets inside the value are not data set offsets: keep every value inline (it is at most the inline limit anyway).
    const items = new DicomJsonBuilder(this.bulkDataUri, { binaryBytes: Number.MAX_SAFE_INTEGER, otherBytes: Number.MAX_SAFE_INTEGER });
    const wrapper = Buffer.alloc(8);
    wrapper.writeUInt16LE(header.tag >>> 16, 0);
    wrapper.writeUInt16LE(header.tag & 0xffff, 2);
    wrapper.writeUInt32LE(value.length, 4);
    try {
      const parser = new DatasetParser(IMPLICIT_VR_LITTLE_ENDIAN, items);
      parser.push(Buffer.concat([wrapper, value]));
      parser.end();
    } catch {
      return undefined; // not a sequence after all: keep the bytes as they came
    }
    return items.dataset[tagKey(header.tag)];
  }

  private noteTopLevel(tag: Tag): void {
    if (this.levels.length === 1 && this.sequences.length === 0) this.lastTag = tag;
  }
}

// Group lengths and Data Set Trailing Padding carry no information in the JSON model.
function included(tag: Tag): boolean {
  return (tag & 0xffff) !== 0 && tag !== 0xfffcfffc;
}

/** Converts one element's value bytes to its DICOM JSON form (PS3.18 F.2.3-F.2.7). */
export function toJsonElement(header: Pick<ElementHeader, 'vr' | 'littleEndian'>, value: Buffer, decode: TextDecoderFn): DicomJsonElement {
  const { vr, littleEndian } = header;
  if (value.length === 0) return { vr };
  switch (vr) {
    case 'OB':
    case 'UN':
      return { vr, InlineBinary: value.toString('base64') };
    case 'OW':
    case 'OF':
    case 'OD':
    case 'OL':
    case 'OV':
      // InlineBinary is little endian whatever the transfer syntax (PS3.18 F.2.7).
      return { vr, InlineBinary: (littleEndian ? value : swapBytes(value, vr === 'OW' ? 2 : vr === 'OD' || vr === 'OV' ? 8 : 4)).toString('base64') };
    case 'US':
    case 'SS':
    case 'UL':
    case 'SL':
    case 'FL':
    case 'FD':
    case 'SV':
    case 'UV':
      return withValues(vr, readNumbers(vr, value, littleEndian));
    case 'AT': {
      const tags: string[] = [];
      for (let i = 0; i + 4 <= value.length; i += 4) {
        const group = littleEndian ? value.readUInt16LE(i) : value.readUInt16BE(i);
        const element = littleEndian ? value.readUInt16LE(i + 2) : value.readUInt16BE(i + 2);
        tags.push(tagKey(((group << 16) | element) >>> 0));
      }
      return withValues(vr, tags);
    }
    case 'SQ':
      return { vr };
    default:
      return stringElement(vr, value, decode);
  }
}

function stringElement(vr: VR, value: Buffer, decode: TextDecoderFn): DicomJsonElement {
  const text = usesSpecificCharacterSet(vr) ? decode(value, vr === 'PN') : value.toString('latin1');
  if (!isMultiValuedString(vr)) {
    // LT, ST, UT: trailing spaces are padding, leading ones are significant; UR trails spaces too.
    const trimmed = text.replace(/[ \0]+$/, '');
    return trimmed.length > 0 ? { vr, Value: [trimmed] } : { vr };
  }
  const parts = text.split('\\').map((part) => (vr === 'UI' ? part.replace(/[\0 ]+$/, '') : part.trim()));
  if (parts.every((p) => p.length === 0)) return { vr };
  switch (vr) {
    case 'PN':
      return { vr, Value: parts.map(personName) };
    case 'DS':
      return { vr, Value: parts.map((p) => (p.length === 0 ? null : decimalOrText(p))) };
    case 'IS':
      return { vr, Value: parts.map((p) => (p.length === 0 ? null : integerOrText(p))) };
    default:
      return { vr, Value: parts.map((p) => (p.length === 0 ? null : p)) };
  }
}

function personName(text: string): PersonNameJson | null {
  if (text.length === 0) return null;
  const [alphabetic, ideographic, phonetic] = text.split('=');
  const name: PersonNameJson = {};
  if (alphabetic) name.Alphabetic = alphabetic.trimEnd();
  if (ideographic) name.Ideographic = ideographic.trimEnd();
  if (phonetic) name.Phonetic = phonetic.trimEnd();
  return name;
}

// DS and IS become JSON numbers (PS3.18 F.2.3.1); a value that is not a number is kept as text rather
// than lost, so that what was received can still be seen.
function decimalOrText(text: string): number | string {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return text;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

function integerOrText(text: string): number | string {
  if (!/^[+-]?\d+$/.test(text)) return text;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

function withValues(vr: VR, values: unknown[]): DicomJsonElement {
  return values.length > 0 ? { vr, Value: values } : { vr };
}

function readNumbers(vr: VR, value: Buffer, le: boolean): (number | string)[] {
  const out: (number | string)[] = [];
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' || vr === 'SV' || vr === 'UV' ? 8 : 4;
  for (let i = 0; i + size <= value.length; i += size) {
    switch (vr) {
      case 'US':
        out.push(le ? value.readUInt16LE(i) : value.readUInt16BE(i));
        break;
      case 'SS':
        out.push(le ? value.readInt16LE(i) : value.readInt16BE(i));
        break;
      case 'UL':
        out.push(le ? value.readUInt32LE(i) : value.readUInt32BE(i));
        break;
      case 'SL':
        out.push(le ? value.readInt32LE(i) : value.readInt32BE(i));
        break;
      case 'FL':
        out.push(jsonFloat(le ? value.readFloatLE(i) : value.readFloatBE(i)));
        break;
      case 'FD':
        out.push(jsonFloat(le ? value.readDoubleLE(i) : value.readDoubleBE(i)));
        break;
      default: {
        // SV and UV: JSON numbers lose precision past 2^53, so larger values are strings (PS3.18 F.2.3.1).
        const big = vr === 'SV' ? (le ? value.readBigInt64LE(i) : value.readBigInt64BE(i)) : le ? value.readBigUInt64LE(i) : value.readBigUInt64BE(i);
        out.push(big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString());
      }
    }
  }
  return out;
}

// JSON has no NaN or Infinity; PS3.18 F.2.3.1 spells them as strings.
function jsonFloat(n: number): number | string {
  if (Number.isFinite(n)) return n;
  if (Number.isNaN(n)) return 'NaN';
  return n > 0 ? 'Infinity' : '-Infinity';
}

function swapBytes(value: Buffer, width: number): Buffer {
  const out = Buffer.allocUnsafe(value.length - (value.length % width));
  for (let i = 0; i + width <= value.length; i += width) {
    for (let k = 0; k < width; k++) out[i + k] = value[i + width - 1 - k] as number;
  }
  return out;
}
