import { Transform } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { DicomError, DicomErrorCode } from '../errors';
import { DatasetParser, type DatasetVisitor, type ElementHeader } from '../parser/dataset-parser';
import { explicitLittleEndianHeader } from '../parser/part10';
import { Tags, type Tag } from '../tag';
import type { TransferSyntax } from '../transfer-syntax';
import { hasLongLength, type VR } from '../vr';

// Values up to this size are re-encoded whole; larger ones stream through in pieces.
const WHOLE_VALUE_LIMIT = 64 * 1024;
const UNDEFINED = 0xffffffff;

/** Bytes per swapped unit of a VR when converting byte order (PS3.5 7.3); 0 means no swapping. */
function swapWidth(vr: VR): number {
  switch (vr) {
    case 'US':
    case 'SS':
    case 'OW':
    case 'AT':
      return 2;
    case 'UL':
    case 'SL':
    case 'FL':
    case 'OF':
    case 'OL':
      return 4;
    case 'FD':
    case 'SV':
    case 'UV':
    case 'OD':
    case 'OV':
      return 8;
    default:
      return 0;
  }
}

/** Whether a data set in this transfer syntax can be re-encoded by the native transcoder. */
export function canTranscodeToExplicitLittleEndian(source: TransferSyntax): boolean {
  return !source.encapsulated;
}

/** The native transfer syntaxes the transcoder writes. */
export type NativeTarget = 'explicit-little-endian' | 'implicit-little-endian';

/**
 * A stream that re-encodes a data set of a native transfer syntax (Implicit VR Little Endian, Explicit
 * VR Big Endian, Deflated Explicit VR Little Endian) as Explicit VR Little Endian (PS3.5 A.2), element
 * by element, in bounded memory. Implicit VRs come from the dictionary; a value too long for its VR's
 * 16-bit length becomes UN (PS3.5 6.2.2); sequences and items are written with undefined length so
 * that no length needs computing ahead.
 */
export function toExplicitLittleEndian(source: TransferSyntax): Transform {
  return transcodeNative(source, 'explicit-little-endian');
}

/**
 * The same re-encoding into Implicit VR Little Endian (PS3.5 A.1), the default transfer syntax every
 * SCP accepts: no VRs, 32-bit lengths, so no value ever needs UN.
 */
export function toImplicitLittleEndian(source: TransferSyntax): Transform {
  return transcodeNative(source, 'implicit-little-endian');
}

function transcodeNative(source: TransferSyntax, target: NativeTarget): Transform {
  if (!canTranscodeToExplicitLittleEndian(source)) {
    throw new DicomError(DicomErrorCode.UnsupportedTransferSyntax, `${source.name} has encapsulated pixel data; it cannot be re-encoded without a codec`);
  }
  // The writer's output goes to `out`, which is created below and only written to once data flows.
  const writer = new NativeDatasetWriter((chunk) => out.push(chunk), source.littleEndian, target);
  const parser = new DatasetParser(source, writer);
  const inflater = source.deflated ? createInflateRaw() : undefined;
  let inflateError: Error | undefined;
  if (inflater) {
    inflater.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        inflateError ??= err as Error;
      }
    });
    inflater.on('error', (err) => (inflateError ??= err));
  }
  const out: Transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!inflater) {
        try {
          parser.push(chunk);
          done();
        } catch (err) {
          done(err as Error);
        }
        return;
      }
      inflater.write(chunk, () => done(inflateError));
    },
    flush(done) {
      const finish = (): void => {
        try {
          if (inflateError) throw inflateError;
          parser.end();
          done();
        } catch (err) {
          done(err as Error);
        }
      };
      if (!inflater) return finish();
      inflater.end();
      inflater.once('end', finish);
    },
  });
  return out;
}

/**
 * The visitor behind the native transcoder: writes each element it is shown in Explicit or Implicit
 * VR Little Endian, values whole or streaming (PS3.5 7.1, A.1, A.2). Exported so that other re-encoders
 * (the pixel data decoder) can write the elements they do not change with it.
 */
export class NativeDatasetWriter implements DatasetVisitor {
  private readonly implicit: boolean;
  // For a value streaming through: its swap width and a byte held over from the previous piece.
  private streamingWidth = 0;
  private carry = Buffer.alloc(0);

  constructor(
    private readonly emit: (chunk: Buffer) => void,
    private readonly sourceLittleEndian: boolean,
    target: NativeTarget,
  ) {
    this.implicit = target === 'implicit-little-endian';
  }

  wantsValue(header: ElementHeader): boolean {
    return header.length <= WHOLE_VALUE_LIMIT;
  }

  element(header: ElementHeader, value: Buffer | undefined): void {
    const vr = !hasLongLength(header.vr) && header.length > 0xffff ? 'UN' : header.vr;
    this.emit(this.header(header.tag, vr, header.length));
    if (value) {
      this.emit(this.toLittleEndian(value, header.vr));
      return;
    }
    this.streamingWidth = this.sourceLittleEndian ? 0 : swapWidth(header.vr);
    this.carry = Buffer.alloc(0);
  }

  valueBytes(chunk: Buffer): void {
    if (this.streamingWidth === 0) {
      this.emit(chunk);
      return;
    }
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const whole = data.length - (data.length % this.streamingWidth);
    this.carry = Buffer.from(data.subarray(whole));
    if (whole > 0) this.emit(swap(data.subarray(0, whole), this.streamingWidth));
  }

  sequenceStart(header: ElementHeader): void {
    this.emit(this.header(header.tag, 'SQ', UNDEFINED));
  }

  itemStart(): void {
    this.emit(itemTag(Tags.Item, UNDEFINED));
  }

  itemEnd(): void {
    this.emit(itemTag(Tags.ItemDelimitationItem, 0));
  }

  sequenceEnd(): void {
    this.emit(itemTag(Tags.SequenceDelimitationItem, 0));
  }

  encapsulatedStart(): void {
    throw new DicomError(DicomErrorCode.UnsupportedTransferSyntax, 'Encapsulated pixel data in a native transfer syntax');
  }

  fragment(): void {}

  encapsulatedEnd(): void {}

  private header(tag: Tag, vr: VR, length: number): Buffer {
    return this.implicit ? itemTag(tag, length) : explicitLittleEndianHeader(tag, vr, length);
  }

  private toLittleEndian(value: Buffer, vr: VR): Buffer {
    const width = this.sourceLittleEndian ? 0 : swapWidth(vr);
    return width === 0 ? value : swap(value, width);
  }
}

function itemTag(tag: Tag, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(tag >>> 16, 0);
  b.writeUInt16LE(tag & 0xffff, 2);
  b.writeUInt32LE(length, 4);
  return b;
}

// Swaps every whole unit; a stray trailing byte of an odd-length value is kept as it is.
function swap(data: Buffer, width: number): Buffer {
  const out = Buffer.from(data);
  const whole = out.subarray(0, out.length - (out.length % width));
  if (width === 2) whole.swap16();
  else if (width === 4) whole.swap32();
  else whole.swap64();
  return out;
}
