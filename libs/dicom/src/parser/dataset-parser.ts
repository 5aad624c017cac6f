import { implicitVR } from '../dictionary/dictionary';
import { DicomError, DicomErrorCode } from '../errors';
import { Tags, tagLabel, type Tag } from '../tag';
import type { TransferSyntax } from '../transfer-syntax';
import { hasLongLength, isVR, type VR } from '../vr';

/** The length value meaning "undefined length, ends with a delimitation item" (PS3.5 7.1.1). */
export const UNDEFINED_LENGTH = 0xffffffff;

/** The header of one data element as found in the stream. */
export interface ElementHeader {
  readonly tag: Tag;
  readonly vr: VR;
  /** Value length in bytes, or UNDEFINED_LENGTH. */
  readonly length: number;
  /** Offset of the element's tag in the data set stream. */
  readonly offset: number;
  /** Offset of the first value byte. */
  readonly valueOffset: number;
  /** Byte order of the value (numbers in it are read with it). */
  readonly littleEndian: boolean;
}

/** Receives the structure of a data set as the parser walks it, depth first, in stream order. */
export interface DatasetVisitor {
  /** Whether the value of this element should be handed over (else it is skipped without being held). */
  wantsValue(header: ElementHeader): boolean;
  /** An element that is not a sequence; value is its bytes when wantsValue said so. */
  element(header: ElementHeader, value: Buffer | undefined): void;
  sequenceStart(header: ElementHeader): void;
  /** An item of the current sequence begins; length may be UNDEFINED_LENGTH. */
  itemStart(offset: number, length: number): void;
  itemEnd(): void;
  sequenceEnd(): void;
  /** Encapsulated Pixel Data (PS3.5 A.4) begins. */
  encapsulatedStart(header: ElementHeader): void;
  /** One item of encapsulated Pixel Data: the Basic Offset Table first, then fragments. */
  fragment(valueOffset: number, length: number): void;
  encapsulatedEnd(): void;
  /** When present, receives the bytes of every value it did not want, as they stream by, in order. */
  valueBytes?(chunk: Buffer): void;
}

type Frame =
  | { kind: 'dataset'; end: number | undefined; explicitVR: boolean; littleEndian: boolean }
  | { kind: 'sequence'; end: number | undefined; explicitVR: boolean; littleEndian: boolean }
  | { kind: 'encapsulated'; littleEndian: boolean };

// Elements of a data set must not nest deeper than this; real objects stay below 10.
const MAX_DEPTH = 64;

/**
 * A push parser for a DICOM data set stream (PS3.5 7): feed it chunks as they arrive, in any sizes.
 * It holds at most one element header or one wanted value at a time; every other value is skipped as
 * it streams by, so memory stays bounded whatever the object size. Offsets count data set bytes.
 */
export class DatasetParser {
  private pending: Buffer = Buffer.alloc(0);
  private position = 0; // data set offset of pending[0]
  private skipRemaining = 0;
  private readonly stack: Frame[];
  private finished = false;

  constructor(
    transferSyntax: Pick<TransferSyntax, 'explicitVR' | 'littleEndian'>,
    private readonly visitor: DatasetVisitor,
  ) {
    this.stack = [{ kind: 'dataset', end: undefined, explicitVR: transferSyntax.explicitVR, littleEndian: transferSyntax.littleEndian }];
  }

  /** Bytes of the data set consumed so far. */
  get offset(): number {
    return this.position;
  }

  /** The nesting depth: 0 at the top level of the data set. */
  get depth(): number {
    return this.stack.length - 1;
  }

  /** Feeds the next bytes of the data set. */
  push(chunk: Buffer): void {
    if (this.finished) throw new DicomError(DicomErrorCode.MalformedDataset, 'Data after the end of the data set');
    let data = chunk;
    let p = 0;
    if (this.skipRemaining > 0) {
      const n = Math.min(this.skipRemaining, data.length);
      this.visitor.valueBytes?.(data.subarray(0, n));
      this.skipRemaining -= n;
      this.position += n;
      p = n;
      if (this.skipRemaining > 0) return;
    } else if (this.pending.length > 0) {
      data = Buffer.concat([this.pending, chunk]);
    }
    for (;;) {
      if (this.skipRemaining > 0) {
        const n = Math.min(this.skipRemaining, data.length - p);
        this.visitor.valueBytes?.(data.subarray(p, p + n));
        this.skipRemaining -= n;
        this.position += n;
        p += n;
        if (this.skipRemaining > 0) break;
      }
      const used = this.step(data, p);
      if (used < 0) break;
      p += used;
      this.position += used;
    }
    // Keep only the unconsumed tail; copy it when it is a small piece of a large chunk so that the
    // chunk itself can be released.
    const rest = data.subarray(p);
    this.pending = rest.length > 0 && rest.length < data.length / 4 ? Buffer.from(rest) : rest;
  }

  /** Declares the end of the stream; throws when it cuts an element, item or sequence short. */
  end(): void {
    if (this.finished) return;
    this.closeFinishedContainers();
    if (this.pending.length > 0 || this.skipRemaining > 0) {
      throw new DicomError(DicomErrorCode.TruncatedDataset, 'The data set ends in the middle of an element', this.position);
    }
    if (this.stack.length > 1) {
      throw new DicomError(DicomErrorCode.TruncatedDataset, 'The data set ends inside a sequence or item that was never closed', this.position);
    }
    this.finished = true;
  }

  // One parsing step at data[p]: returns the bytes consumed, or -1 when more input is needed.
  private step(data: Buffer, p: number): number {
    this.closeFinishedContainers();
    const frame = this.stack[this.stack.length - 1] as Frame;
    const available = data.length - p;
    if (frame.kind !== 'dataset') return this.stepInSequence(frame, data, p, available);
    if (available < 4) return -1;
    const le = frame.littleEndian;
    const tag = readTag(data, p, le);
    if (tag === Tags.ItemDelimitationItem) {
      if (available < 8) return -1;
      if (this.stack.length === 1 || frame.end !== undefined) {
        throw new DicomError(DicomErrorCode.MalformedDataset, 'Item Delimitation Item outside an undefined-length item', this.position);
      }
      this.stack.pop();
      this.visitor.itemEnd();
      return 8;
    }
    if (tag >>> 16 === 0xfffe) {
      throw new DicomError(DicomErrorCode.MalformedDataset, `Unexpected ${tagLabel(tag)} in a data set`, this.position);
    }
    let vr: VR;
    let length: number;
    let headerLength: number;
    if (frame.explicitVR) {
      if (available < 8) return -1;
      const vrText = String.fromCharCode(data[p + 4] as number, data[p + 5] as number);
      if (!isVR(vrText)) {
        throw new DicomError(DicomErrorCode.MalformedDataset, `Invalid VR ${JSON.stringify(vrText)} for ${tagLabel(tag)}`, this.position);
      }
      vr = vrText;
      if (hasLongLength(vr)) {
        if (available < 12) return -1;
        length = le ? data.readUInt32LE(p + 8) : data.readUInt32BE(p + 8);
        headerLength = 12;
      } else {
        length = le ? data.readUInt16LE(p + 6) : data.readUInt16BE(p + 6);
        headerLength = 8;
      }
    } else {
      if (available < 8) return -1;
      vr = implicitVR(tag);
      length = le ? data.readUInt32LE(p + 4) : data.readUInt32BE(p + 4);
      headerLength = 8;
    }
    const header: ElementHeader = { tag, vr, length, offset: this.position, valueOffset: this.position + headerLength, littleEndian: le };
    if (length === UNDEFINED_LENGTH) {
      if (tag === Tags.PixelData) {
        this.push_({ kind: 'encapsulated', littleEndian: le });
        this.visitor.encapsulatedStart(header);
        return headerLength;
      }
      if (vr === 'SQ' || vr === 'UN') {
        // An undefined-length UN is a sequence whose items are Implicit VR Little Endian (PS3.5 6.2.2 Note).
        const implicit = vr === 'UN';
        this.push_({ kind: 'sequence', end: undefined, explicitVR: implicit ? false : frame.explicitVR, littleEndian: implicit ? true : le });
        this.visitor.sequenceStart({ ...header, vr: 'SQ' });
        return headerLength;
      }
      throw new DicomError(DicomErrorCode.MalformedDataset, `Undefined length is not allowed for ${tagLabel(tag)} with VR ${vr}`, this.position);
    }
    // Odd lengths (PS3.5 7.1.1 wants even ones) are accepted as they come: the object is stored as
    // received, and only the parser needs the length.
    this.checkFits(header, frame);
    if (vr === 'SQ') {
      this.push_({ kind: 'sequence', end: header.valueOffset + length, explicitVR: frame.explicitVR, littleEndian: le });
      this.visitor.sequenceStart(header);
      return headerLength;
    }
    if (this.visitor.wantsValue(header)) {
      if (available < headerLength + length) return -1;
      this.visitor.element(header, data.subarray(p + headerLength, p + headerLength + length));
      return headerLength + length;
    }
    this.visitor.element(header, undefined);
    this.skipRemaining = length;
    return headerLength;
  }

  private stepInSequence(frame: Exclude<Frame, { kind: 'dataset' }>, data: Buffer, p: number, available: number): number {
    if (available < 8) return -1;
    const le = frame.littleEndian;
    const tag = readTag(data, p, le);
    const length = le ? data.readUInt32LE(p + 4) : data.readUInt32BE(p + 4);
    if (tag === Tags.SequenceDelimitationItem) {
      if (frame.kind === 'sequence' && frame.end !== undefined) {
        throw new DicomError(DicomErrorCode.MalformedDataset, 'Sequence Delimitation Item in a defined-length sequence', this.position);
      }
      this.stack.pop();
      if (frame.kind === 'encapsulated') this.visitor.encapsulatedEnd();
      else this.visitor.sequenceEnd();
      return 8;
    }
    if (tag !== Tags.Item) {
      throw new DicomError(DicomErrorCode.MalformedDataset, `Expected an Item in a sequence but found ${tagLabel(tag)}`, this.position);
    }
    if (frame.kind === 'encapsulated') {
      if (length === UNDEFINED_LENGTH) {
        throw new DicomError(DicomErrorCode.MalformedDataset, 'An encapsulated Pixel Data fragment has undefined length', this.position);
      }
      this.visitor.fragment(this.position + 8, length);
      this.skipRemaining = length;
      return 8;
    }
    if (length !== UNDEFINED_LENGTH && frame.end !== undefined && this.position + 8 + length > frame.end) {
      throw new DicomError(DicomErrorCode.MalformedDataset, 'An item overruns its sequence', this.position);
    }
    this.push_({ kind: 'dataset', end: length === UNDEFINED_LENGTH ? undefined : this.position + 8 + length, explicitVR: frame.explicitVR, littleEndian: le });
    this.visitor.itemStart(this.position, length);
    return 8;
  }

  // Pops every defined-length container whose last byte has been consumed.
  private closeFinishedContainers(): void {
    for (;;) {
      const frame = this.stack[this.stack.length - 1] as Frame;
      if (frame.kind === 'encapsulated' || frame.end === undefined || this.skipRemaining > 0) return;
      if (this.position < frame.end) return;
      if (this.position > frame.end) {
        throw new DicomError(DicomErrorCode.MalformedDataset, 'An element overruns the item or sequence that holds it', this.position);
      }
      this.stack.pop();
      if (frame.kind === 'dataset') this.visitor.itemEnd();
      else this.visitor.sequenceEnd();
    }
  }

  private checkFits(header: ElementHeader, frame: Frame): void {
    if (frame.kind === 'dataset' && frame.end !== undefined && header.valueOffset + header.length > frame.end) {
      throw new DicomError(DicomErrorCode.MalformedDataset, `${tagLabel(header.tag)} overruns the item that holds it`, header.offset);
    }
  }

  private push_(frame: Frame): void {
    if (this.stack.length > MAX_DEPTH) {
      throw new DicomError(DicomErrorCode.MalformedDataset, `Sequences nest deeper than ${MAX_DEPTH} levels`, this.position);
    }
    this.stack.push(frame);
  }
}

function readTag(data: Buffer, p: number, littleEndian: boolean): Tag {
  return littleEndian
    ? ((data.readUInt16LE(p) << 16) | data.readUInt16LE(p + 2)) >>> 0
    : ((data.readUInt16BE(p) << 16) | data.readUInt16BE(p + 2)) >>> 0;
}
