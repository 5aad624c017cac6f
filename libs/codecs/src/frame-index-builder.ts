import { DatasetParser, Tags, type DatasetVisitor, type ElementHeader, type TransferSyntax } from '@tessera/dicom';
import type { FrameIndex } from './frame-index';
import type { ImagePixel } from './image-pixel';
import { PixelTags } from './native-decoder';
import { pixelCodecFor, type PixelCodec } from './pixel-codecs';

const A = PixelTags;
const WANTED = new Set<number>(Object.values(A));

// Enough of a fragment's first bytes for every codec's startsFrame (a JP2 signature box is 8 bytes).
const HEAD_BYTES = 8;
// Bounds on what is held for a hostile or broken object: an offset table of 8 million frames, and
// 4 million fragments (a whole-slide image has one per tile, some hundred thousand).
const MAX_TABLE_BYTES = 64 * 1024 * 1024;
const MAX_FRAGMENTS = 4 * 1024 * 1024;

/**
 * Learns the frame layout of the top-level Pixel Data while a data set streams through the parser,
 * holding only the Image Pixel attributes, the offset tables and one number per fragment. It never
 * throws: a layout it cannot make sense of becomes an index of kind "none" with the reason.
 */
export class FrameIndexBuilder implements DatasetVisitor {
  private depth = 0;
  private readonly values = new Map<number, { value: Buffer; littleEndian: boolean }>();
  private index: FrameIndex | undefined;
  private codec: PixelCodec | undefined;
  private image: ImagePixel | string | undefined;
  private inPixels = false;
  private botChunks: Buffer[] | undefined;
  private bot: Buffer | undefined;
  private readonly items: number[] = [];
  private readonly codestreamStarts: number[] = [];
  private end = 0;
  // The fragment whose bytes are streaming by: how many remain, and its head while it is collected.
  private open: { itemOffset: number; remaining: number; head: Buffer[] | undefined; headBytes: number } | undefined;

  constructor(private readonly transferSyntaxUID: string) {}

  /** The index, once the data set has been parsed to its end. */
  result(): FrameIndex {
    return this.index ?? { kind: 'none', reason: 'The instance has no Pixel Data' };
  }

  wantsValue(header: ElementHeader): boolean {
    return this.depth === 0 && WANTED.has(header.tag) && header.length <= MAX_TABLE_BYTES;
  }

  element(header: ElementHeader, value: Buffer | undefined): void {
    if (this.depth > 0) return;
    if (WANTED.has(header.tag)) {
      if (value) this.values.set(header.tag, { value: Buffer.from(value), littleEndian: header.littleEndian });
      else if (header.tag === A.ExtendedOffsetTable) return this.none(`The Extended Offset Table is larger than ${MAX_TABLE_BYTES} bytes`);
    }
    if (header.tag !== Tags.PixelData || this.index) return;
    const image = this.describe();
    if (typeof image === 'string') return this.none(image);
    const bytesPerCell = image.bitsAllocated / 8;
    // YBR_FULL_422 keeps two luminance and one pair of chrominance samples per two pixels (PS3.3 C.7.6.3.1.2).
    const cellsPerPixel = image.photometricInterpretation === 'YBR_FULL_422' ? 2 : image.samplesPerPixel;
    const frameLength = image.rows * image.columns * cellsPerPixel * bytesPerCell;
    // Bit-packed frames (Bits Allocated 1) need not start on a byte (PS3.5 8.1.1): no byte range holds one.
    if (!Number.isInteger(frameLength)) return this.none(`Frames of Bits Allocated ${image.bitsAllocated} do not start on byte boundaries`);
    if (frameLength * image.numberOfFrames > header.length) {
      return this.none(`Pixel Data holds ${header.length} bytes, fewer than ${image.numberOfFrames} frames of ${frameLength}`);
    }
    this.index = { kind: 'native', image, valueOffset: header.valueOffset, frameLength };
  }

  sequenceStart(): void {
    this.depth++;
  }

  sequenceEnd(): void {
    this.depth--;
  }

  itemStart(): void {
    return undefined;
  }

  itemEnd(): void {
    return undefined;
  }

  encapsulatedStart(): void {
    if (this.depth > 0 || this.index) return;
    this.inPixels = true;
    this.image = this.describe();
    this.codec = pixelCodecFor(this.transferSyntaxUID);
  }

  fragment(valueOffset: number, length: number): void {
    if (!this.inPixels) return;
    this.end = valueOffset + length;
    if (this.items.length >= MAX_FRAGMENTS || (!this.bot && length > MAX_TABLE_BYTES)) {
      this.inPixels = false;
      return this.none(this.bot ? `The Pixel Data has more than ${MAX_FRAGMENTS} fragments` : `The Basic Offset Table is larger than ${MAX_TABLE_BYTES} bytes`);
    }
    if (!this.bot) {
      this.botChunks ??= [];
      this.open = { itemOffset: valueOffset - 8, remaining: length, head: undefined, headBytes: 0 };
      if (length === 0) this.closeFragment();
      return;
    }
    this.items.push(valueOffset - 8);
    this.open = { itemOffset: valueOffset - 8, remaining: length, head: [], headBytes: 0 };
    if (length === 0) this.closeFragment();
  }

  valueBytes(chunk: Buffer): void {
    const open = this.open;
    if (!open) return;
    if (!this.bot) (this.botChunks as Buffer[]).push(Buffer.from(chunk));
    else if (open.head && open.headBytes < HEAD_BYTES) {
      const piece = chunk.subarray(0, HEAD_BYTES - open.headBytes);
      open.head.push(Buffer.from(piece));
      open.headBytes += piece.length;
    }
    open.remaining -= chunk.length;
    if (open.remaining === 0) this.closeFragment();
  }

  encapsulatedEnd(): void {
    if (!this.inPixels) return;
    this.inPixels = false;
    this.index = this.encapsulatedIndex();
  }

  private closeFragment(): void {
    const open = this.open;
    this.open = undefined;
    if (!open) return;
    if (!this.bot) {
      this.bot = Buffer.concat(this.botChunks as Buffer[]);
      this.botChunks = undefined;
      return;
    }
    if (this.codec && open.head && this.codec.startsFrame(Buffer.concat(open.head))) this.codestreamStarts.push(open.itemOffset);
  }

  // PS3.5 A.4: frames from the Extended Offset Table, else the Basic Offset Table, else one fragment
  // per frame, else from where code streams begin.
  private encapsulatedIndex(): FrameIndex {
    const image = this.image;
    if (typeof image === 'string' || image === undefined) return { kind: 'none', reason: image ?? 'No Image Pixel attributes' };
    const items = this.items;
    const first = items[0];
    if (first === undefined) return { kind: 'none', reason: 'The encapsulated Pixel Data has no fragments' };
    const frames = image.numberOfFrames;
    const eot = this.values.get(A.ExtendedOffsetTable);
    let starts: number[];
    let source: string;
    if (eot && eot.value.length >= 8) {
      starts = Array.from({ length: Math.floor(eot.value.length / 8) }, (_, k) => first + Number(eot.littleEndian ? eot.value.readBigUInt64LE(k * 8) : eot.value.readBigUInt64BE(k * 8)));
      source = 'the Extended Offset Table';
    } else if (this.bot && this.bot.length >= 4) {
      const bot = this.bot;
      // The Basic Offset Table is always Little Endian, like the Item headers around it (PS3.5 A.4).
      starts = Array.from({ length: Math.floor(bot.length / 4) }, (_, k) => first + bot.readUInt32LE(k * 4));
      source = 'the Basic Offset Table';
    } else if (items.length === frames || this.codec?.fragmentPerFrame) {
      starts = items;
      source = 'one per fragment';
    } else if (frames === 1) {
      starts = [first];
      source = 'one per fragment';
    } else if (this.codec) {
      starts = [first, ...this.codestreamStarts.filter((s) => s > first)];
      source = 'where code streams begin';
    } else {
      return { kind: 'none', reason: `${items.length} fragments hold ${frames} frames without an offset table, and Tessera does not know where ${this.transferSyntaxUID} code streams begin` };
    }
    if (starts.length !== frames) return { kind: 'none', reason: `${starts.length} frames (by ${source}) where Number of Frames is ${frames}` };
    const itemSet = new Set(items);
    const boundaries = new Float64Array(frames + 1);
    for (let k = 0; k < frames; k++) {
      const s = starts[k] as number;
      if (!itemSet.has(s) || (k > 0 && s <= (starts[k - 1] as number)) || (k === 0 && s !== first)) {
        return { kind: 'none', reason: `Frame ${k + 1} (by ${source}) would begin at ${s - first}, which is not the start of a later fragment` };
      }
      boundaries[k] = s;
    }
    boundaries[frames] = this.end;
    return { kind: 'encapsulated', image, boundaries };
  }

  private none(reason: string): void {
    this.index = { kind: 'none', reason };
  }

  // The Image Pixel Module attributes (PS3.3 C.7.6.3), or why they cannot describe frames.
  private describe(): ImagePixel | string {
    const us = (tag: number): number | undefined => {
      const v = this.values.get(tag);
      return v && v.value.length >= 2 ? (v.littleEndian ? v.value.readUInt16LE(0) : v.value.readUInt16BE(0)) : undefined;
    };
    const text = (tag: number): string | undefined => this.values.get(tag)?.value.toString('latin1').replace(/[\s\0]+$/, '').trim();
    const rows = us(A.Rows);
    const columns = us(A.Columns);
    const bitsAllocated = us(A.BitsAllocated);
    const samplesPerPixel = us(A.SamplesPerPixel) ?? 1;
    const photometricInterpretation = text(A.PhotometricInterpretation) ?? '';
    const framesText = text(A.NumberOfFrames);
    const numberOfFrames = framesText ? Number(framesText) : 1;
    if (!rows || !columns || !bitsAllocated) return 'Rows, Columns or Bits Allocated is missing or zero (PS3.3 C.7.6.3)';
    if (!Number.isInteger(numberOfFrames) || numberOfFrames < 1 || numberOfFrames > 0xffffffff) return `Number of Frames ${JSON.stringify(framesText)} is not a positive integer (IS, PS3.5 6.2)`;
    // CS values are at most 16 characters (PS3.5 6.2).
    if (photometricInterpretation.length > 16) return `Photometric Interpretation ${JSON.stringify(photometricInterpretation.slice(0, 20))}… is longer than a CS value`;
    return { rows, columns, samplesPerPixel, bitsAllocated, bitsStored: us(A.BitsStored) ?? bitsAllocated, pixelRepresentation: us(A.PixelRepresentation) ?? 0, photometricInterpretation, numberOfFrames };
  }
}

/**
 * Builds the frame index of a stored data set by one streaming pass (for objects stored before the
 * index was kept); the stream carries the data set bytes, inflated if the transfer syntax deflates them.
 */
export async function buildFrameIndex(dataSet: AsyncIterable<Buffer> | Iterable<Buffer>, transferSyntax: TransferSyntax): Promise<FrameIndex> {
  const builder = new FrameIndexBuilder(transferSyntax.uid);
  const parser = new DatasetParser(transferSyntax, builder);
  for await (const chunk of dataSet) parser.push(chunk);
  parser.end();
  return builder.result();
}
