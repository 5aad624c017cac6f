import { DatasetParser, NativeDatasetWriter, Tags, type DatasetVisitor, type ElementHeader, type NativeTarget, type TransferSyntax } from '@tessera/dicom';
import { Readable } from 'node:stream';
import { CodecError, CodecErrorCode } from './codec-error';
import { nativeFrameLength, type ImagePixel } from './image-pixel';
import { pixelCodecFor, type FrameDecoder, type PixelCodec } from './pixel-codecs';

/** Bounds on what decoding holds in memory at once. */
export interface DecodeLimits {
  /** The largest frame, decoded or as a code stream, held while it is decoded. */
  readonly maxFrameBytes: number;
  /** The largest run of elements before Pixel Data, held until the first frame says how to rewrite them. */
  readonly maxHeaderBytes: number;
}

/** 512 MiB frames (WebAssembly codecs hold the code stream and the pixels in a 2 GiB heap); 64 MiB headers. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxFrameBytes: 512 * 1024 * 1024, maxHeaderBytes: 64 * 1024 * 1024 };

// A native value's length is a 32-bit field and 0xFFFFFFFF means undefined length (PS3.5 7.1.1), so
// decoded Pixel Data of 4 GiB − 2 bytes or more has no native encoding at all.
const MAX_NATIVE_VALUE_LENGTH = 0xfffffffe;

/** The Image Pixel Module's attributes (PS3.3 C.7.6.3) and the offset tables (PS3.5 A.4) the codecs read. */
export const PixelTags = {
  SamplesPerPixel: 0x00280002,
  PhotometricInterpretation: 0x00280004,
  PlanarConfiguration: 0x00280006,
  NumberOfFrames: Tags.NumberOfFrames,
  Rows: Tags.Rows,
  Columns: Tags.Columns,
  BitsAllocated: Tags.BitsAllocated,
  BitsStored: 0x00280101,
  PixelRepresentation: Tags.PixelRepresentation,
  LossyImageCompression: 0x00282110,
  LossyImageCompressionMethod: 0x00282114,
  ExtendedOffsetTable: 0x7fe00001,
  ExtendedOffsetTableLengths: 0x7fe00002,
} as const;
const A = PixelTags;

// Read before Pixel Data to describe the image (PS3.3 C.7.6.3).
const DESCRIBING = new Set<number>([A.SamplesPerPixel, A.NumberOfFrames, A.Rows, A.Columns, A.BitsAllocated, A.BitsStored, A.PixelRepresentation]);
// Rewritten for the decoded pixels, in tag order; inserted where absent and needed.
const REWRITTEN: readonly number[] = [A.PhotometricInterpretation, A.PlanarConfiguration, A.LossyImageCompression, A.LossyImageCompressionMethod];
// Only meaningful for encapsulated Pixel Data (PS3.3 C.7.6.3), and group lengths the rewrite would make wrong.
const DROPPED = new Set<number>([A.ExtendedOffsetTable, A.ExtendedOffsetTableLengths, 0x00280000, 0x7fe00000]);

/** Whether this transfer syntax's pixel data can be decoded to native. */
export function canDecodeToNative(source: TransferSyntax): boolean {
  return source.encapsulated && pixelCodecFor(source.uid) !== undefined;
}

/**
 * Re-encodes a data set with encapsulated Pixel Data (PS3.5 A.4) as a native one in Explicit or
 * Implicit VR Little Endian: every frame decoded, one at a time, into native Pixel Data (OB for 8-bit
 * samples, else OW; PS3.5 8.2, A.1, A.2), and the Image Pixel attributes made to describe it
 * (Photometric Interpretation, Planar Configuration 0, Lossy Image Compression "01" for lossy coding;
 * PS3.3 C.7.6.3, C.7.6.1.1.5). At most one frame's code stream and one decoded frame are held, plus
 * the elements before Pixel Data until the first frame is decoded.
 */
export function decodeToNative(input: AsyncIterable<Buffer>, source: TransferSyntax, target: NativeTarget, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Readable {
  // Byte mode: the stream asks for the next frame only once the previous one has been read.
  return Readable.from(decodeFrames(input, source, target, limits), { objectMode: false });
}

/**
 * decodeToNative, read up to its first output (the elements before Pixel Data and the first decoded
 * frame, or the data set without pixel data): a data set whose pixel data cannot be decoded — no
 * decoder, attributes the decoder cannot take, a first frame that is corrupt — fails here, before
 * anything of it has been sent. Only a later frame can still fail the returned stream.
 */
export async function openDecodedToNative(input: AsyncIterable<Buffer>, source: TransferSyntax, target: NativeTarget, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<Readable> {
  const decoded = decodeToNative(input, source, target, limits);
  const iterator = decoded[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: IteratorResult<Buffer>;
  try {
    first = await iterator.next();
  } catch (err) {
    decoded.destroy();
    throw err;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      if (first.done) return;
      yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // Also when the stream returned is destroyed before its end: the input (an object store response) goes too.
      decoded.destroy();
    }
  }
  return Readable.from(rest(), { objectMode: false });
}

async function* decodeFrames(input: AsyncIterable<Buffer>, source: TransferSyntax, target: NativeTarget, limits: DecodeLimits): AsyncGenerator<Buffer> {
  const codec = pixelCodecFor(source.uid);
  if (!source.encapsulated || !codec) {
    throw new CodecError(CodecErrorCode.UnsupportedTransferSyntax, `Tessera has no decoder for the pixel data of ${source.name} (${source.uid})`);
  }
  const decode = await codec.load();
  const visitor = new DecodingVisitor(codec, target, limits);
  const parser = new DatasetParser(source, visitor);
  for await (const chunk of input) {
    parser.push(chunk);
    yield* visitor.drain(decode);
  }
  parser.end();
  visitor.end();
  yield* visitor.drain(decode);
}

type Piece = Buffer | Rewritten | { readonly kind: 'frame'; readonly index: number; readonly data: Buffer };
type Rewritten = { readonly kind: 'rewritten'; readonly tag: number };

interface Fragment {
  readonly offset: number;
  remaining: number;
  readonly chunks: Buffer[];
}

class DecodingVisitor implements DatasetVisitor {
  private readonly writer: NativeDatasetWriter;
  private queue: Piece[] = [];
  private capture: Buffer[] | undefined;
  private sequenceDepth = 0;
  private phase: 'header' | 'pixels' | 'after' = 'header';
  private readonly values = new Map<number, { header: ElementHeader; value: Buffer }>();
  private readonly placed = new Set<number>();
  // Until the first frame is decoded, the pieces before it wait here.
  private held: Piece[] | undefined = [];
  private heldBytes = 0;
  private declaredLossy = false;
  private image: ImagePixel | undefined;
  private fragments = 0;
  private firstItemOffset = 0;
  private frameOffsets: Set<number> | undefined;
  private openFragment: Fragment | undefined;
  private frame: Buffer[] = [];
  private frameBytes = 0;
  private framesQueued = 0;
  private ended = false;

  constructor(
    private readonly codec: PixelCodec,
    target: NativeTarget,
    private readonly limits: DecodeLimits,
  ) {
    this.writer = new NativeDatasetWriter((chunk) => this.emit(chunk), true, target);
  }

  wantsValue(header: ElementHeader): boolean {
    if (this.atTopOfHeader() && (DESCRIBING.has(header.tag) || DROPPED.has(header.tag) || REWRITTEN.includes(header.tag))) {
      if (header.length > this.limits.maxHeaderBytes) throw this.headerTooLarge();
      return true;
    }
    return this.writer.wantsValue(header);
  }

  element(header: ElementHeader, value: Buffer | undefined): void {
    if (!this.atTopOfHeader()) {
      this.writer.element(header, value);
      return;
    }
    this.placeRewrittenBefore(header.tag);
    if (value && (DESCRIBING.has(header.tag) || DROPPED.has(header.tag) || REWRITTEN.includes(header.tag))) {
      this.values.set(header.tag, { header, value: Buffer.from(value) });
    }
    if (REWRITTEN.includes(header.tag)) {
      this.placed.add(header.tag);
      this.queue.push({ kind: 'rewritten', tag: header.tag });
      return;
    }
    if (DROPPED.has(header.tag)) return;
    this.writer.element(header, value);
  }

  sequenceStart(header: ElementHeader): void {
    if (this.atTopOfHeader()) this.placeRewrittenBefore(header.tag);
    this.sequenceDepth++;
    this.writer.sequenceStart(header);
  }

  sequenceEnd(): void {
    this.sequenceDepth--;
    this.writer.sequenceEnd();
  }

  itemStart(): void {
    this.writer.itemStart();
  }

  itemEnd(): void {
    this.writer.itemEnd();
  }

  encapsulatedStart(header: ElementHeader): void {
    if (this.sequenceDepth > 0 || this.phase !== 'header') {
      throw new CodecError(CodecErrorCode.UnsupportedImage, 'Encapsulated Pixel Data inside a sequence (such as an Icon Image Sequence) cannot be decoded');
    }
    this.placeRewrittenBefore(header.tag);
    const image = this.describeImage();
    const refusal = this.codec.refuses(image);
    if (refusal) throw new CodecError(CodecErrorCode.UnsupportedImage, `${this.codec.name}: cannot decode ${refusal}`);
    const frameLength = nativeFrameLength(image);
    if (frameLength > this.limits.maxFrameBytes) {
      throw new CodecError(CodecErrorCode.LimitExceeded, `A decoded frame would be ${frameLength} bytes; Tessera decodes frames of at most ${this.limits.maxFrameBytes} bytes`);
    }
    const total = frameLength * image.numberOfFrames;
    const padded = total + (total % 2);
    if (padded > MAX_NATIVE_VALUE_LENGTH) {
      throw new CodecError(
        CodecErrorCode.LimitExceeded,
        `The decoded Pixel Data would be ${total} bytes (${image.numberOfFrames} frames of ${frameLength}); a native value holds at most ${MAX_NATIVE_VALUE_LENGTH} (PS3.5 7.1.1), so this instance can only be sent in an encapsulated transfer syntax`,
      );
    }
    this.image = image;
    this.phase = 'pixels';
    const eot = this.values.get(A.ExtendedOffsetTable)?.value;
    if (eot && eot.length >= 8) this.frameOffsets = new Set(Array.from({ length: eot.length / 8 }, (_, i) => Number(eot.readBigUInt64LE(i * 8))));
    // Native Pixel Data is OW, or OB for samples of 8 bits or fewer (PS3.5 A.2), with a defined length.
    this.writer.element({ ...header, vr: image.bitsAllocated > 8 ? 'OW' : 'OB', length: padded }, undefined);
  }

  fragment(valueOffset: number, length: number): void {
    if (this.fragments++ === 0) {
      // The Basic Offset Table; offsets count from the first byte of the next item's tag (PS3.5 A.4).
      this.firstItemOffset = valueOffset + length;
      this.openFragment = { offset: -1, remaining: length, chunks: [] };
    } else {
      if (this.frameBytes + length > this.limits.maxFrameBytes) {
        throw new CodecError(CodecErrorCode.LimitExceeded, `A frame's code stream exceeds ${this.limits.maxFrameBytes} bytes`);
      }
      const offset = valueOffset - 8 - this.firstItemOffset;
      // Where an (Extended) Offset Table says a frame begins, the previous one is complete (PS3.5 A.4).
      if (this.frameBytes > 0 && this.frameOffsets?.has(offset)) this.queueFrame();
      this.openFragment = { offset, remaining: length, chunks: [] };
    }
    if (length === 0) this.fragmentComplete();
  }

  valueBytes(chunk: Buffer): void {
    const fragment = this.openFragment;
    if (this.phase !== 'pixels' || !fragment) {
      this.writer.valueBytes(chunk);
      return;
    }
    fragment.chunks.push(chunk);
    fragment.remaining -= chunk.length;
    if (fragment.remaining === 0) this.fragmentComplete();
  }

  encapsulatedEnd(): void {
    if (this.frameBytes > 0) this.queueFrame();
    const image = this.image as ImagePixel;
    if (this.framesQueued !== image.numberOfFrames) throw this.frameCountMismatch(this.framesQueued);
    if ((nativeFrameLength(image) * image.numberOfFrames) % 2 === 1) this.queue.push(Buffer.alloc(1));
    this.phase = 'after';
  }

  /** Called once the data set has ended: a data set without Pixel Data is re-encoded unchanged. */
  end(): void {
    if (this.phase === 'header') this.placeRewrittenBefore(0xffffffff);
    this.ended = true;
  }

  /** Decodes the frames completed so far and returns every byte that can go out. */
  *drain(decode: FrameDecoder): Generator<Buffer> {
    const pieces = this.queue;
    this.queue = [];
    for (const piece of pieces) {
      if (Buffer.isBuffer(piece) || piece.kind === 'rewritten') {
        if (this.held) this.hold(piece);
        else if (Buffer.isBuffer(piece)) yield piece;
        continue;
      }
      const decoded = decode(piece.data, this.image as ImagePixel);
      const lossy = decoded.lossy || this.codec.alwaysLossy;
      if (this.held) {
        yield this.releaseHeader(lossy);
      } else if (lossy && !this.declaredLossy) {
        throw new CodecError(CodecErrorCode.CorruptFrame, `Frame ${piece.index + 1} is lossy-coded but frame 1 was not, and Lossy Image Compression has already been sent`);
      }
      yield Buffer.from(decoded.pixels.buffer, decoded.pixels.byteOffset, decoded.pixels.byteLength);
    }
    if (this.ended && this.held) yield this.releaseHeader(false);
  }

  private emit(chunk: Buffer): void {
    if (this.capture) this.capture.push(chunk);
    else this.queue.push(chunk);
  }

  private hold(piece: Buffer | Rewritten): void {
    const held = this.held as Piece[];
    held.push(piece);
    if (Buffer.isBuffer(piece)) {
      this.heldBytes += piece.length;
      if (this.heldBytes > this.limits.maxHeaderBytes) throw this.headerTooLarge();
    }
  }

  // The elements before the first frame, with the rewritten ones in place, as one buffer.
  private releaseHeader(lossy: boolean): Buffer {
    this.declaredLossy = lossy || this.values.get(A.LossyImageCompression)?.value.toString('latin1').trim() === '01';
    const out: Buffer[] = [];
    for (const piece of this.held as Piece[]) {
      if (Buffer.isBuffer(piece)) out.push(piece);
      else if (piece.kind === 'rewritten') out.push(this.rewrite(piece.tag, lossy));
    }
    this.held = undefined;
    this.heldBytes = 0;
    return Buffer.concat(out);
  }

  private rewrite(tag: number, lossy: boolean): Buffer {
    const original = this.values.get(tag);
    const image = this.image;
    const originalLossy = this.values.get(A.LossyImageCompression)?.value.toString('latin1').trim();
    let value: string | number | undefined;
    if (image) {
      switch (tag) {
        case A.PhotometricInterpretation:
          value = this.codec.decodedPhotometric(image);
          break;
        case A.PlanarConfiguration:
          // Decoded colour goes by pixel (PS3.3 C.7.6.3.1.3); the element is required only with more than one sample.
          if (image.samplesPerPixel > 1) value = 0;
          break;
        case A.LossyImageCompression:
          // Once "01", always "01" (PS3.3 C.7.6.1.1.5); lossy coding makes it "01" now.
          if (lossy) value = '01';
          break;
        case A.LossyImageCompressionMethod:
          if (lossy && originalLossy !== '01' && !original && this.codec.lossyMethod) value = this.codec.lossyMethod;
          break;
      }
    }
    this.capture = [];
    try {
      if (typeof value === 'number') this.writer.element({ tag, vr: 'US', length: 2, offset: 0, valueOffset: 0, littleEndian: true }, u16(value));
      else if (typeof value === 'string') this.writer.element({ tag, vr: 'CS', length: evenLength(value), offset: 0, valueOffset: 0, littleEndian: true }, cs(value));
      else if (original) this.writer.element(original.header, original.value);
      return Buffer.concat(this.capture);
    } finally {
      this.capture = undefined;
    }
  }

  private atTopOfHeader(): boolean {
    return this.sequenceDepth === 0 && this.phase === 'header';
  }

  private placeRewrittenBefore(tag: number): void {
    for (const t of REWRITTEN) {
      if (t < tag && !this.placed.has(t)) {
        this.placed.add(t);
        this.queue.push({ kind: 'rewritten', tag: t });
      }
    }
  }

  private fragmentComplete(): void {
    const fragment = this.openFragment as Fragment;
    this.openFragment = undefined;
    const bytes = fragment.chunks.length === 1 ? (fragment.chunks[0] as Buffer) : Buffer.concat(fragment.chunks);
    if (fragment.offset < 0) {
      if (bytes.length % 4 !== 0) throw new CodecError(CodecErrorCode.CorruptFrame, `The Basic Offset Table is ${bytes.length} bytes, not a multiple of 4 (PS3.5 A.4)`);
      if (bytes.length > 0 && !this.frameOffsets) this.frameOffsets = new Set(Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readUInt32LE(i * 4)));
      return;
    }
    // Without offsets, a fragment of a multi-frame image that opens a code stream opens a frame (PS3.5 A.4).
    const image = this.image as ImagePixel;
    if (this.frameBytes > 0 && !this.frameOffsets && image.numberOfFrames > 1 && this.codec.startsFrame(bytes)) this.queueFrame();
    this.frame.push(bytes);
    this.frameBytes += bytes.length;
    if (this.codec.fragmentPerFrame) this.queueFrame();
  }

  private queueFrame(): void {
    const image = this.image as ImagePixel;
    if (this.framesQueued === image.numberOfFrames) throw this.frameCountMismatch(this.framesQueued + 1);
    const data = this.frame.length === 1 ? (this.frame[0] as Buffer) : Buffer.concat(this.frame);
    this.queue.push({ kind: 'frame', index: this.framesQueued++, data });
    this.frame = [];
    this.frameBytes = 0;
  }

  private describeImage(): ImagePixel {
    const us = (tag: number, name: string, fallback?: number): number => {
      const v = this.values.get(tag)?.value;
      if (v && v.length >= 2) return v.readUInt16LE(0);
      if (fallback !== undefined) return fallback;
      throw new CodecError(CodecErrorCode.MissingAttribute, `${name} is missing; the pixel data cannot be decoded without it (PS3.3 C.7.6.3)`);
    };
    const photometric = this.values.get(A.PhotometricInterpretation)?.value.toString('latin1').replace(/[\s\0]+$/, '');
    if (!photometric) throw new CodecError(CodecErrorCode.MissingAttribute, 'Photometric Interpretation is missing; the pixel data cannot be decoded without it (PS3.3 C.7.6.3)');
    const framesText = this.values.get(A.NumberOfFrames)?.value.toString('latin1').trim();
    const numberOfFrames = framesText ? Number(framesText) : 1;
    if (!Number.isInteger(numberOfFrames) || numberOfFrames < 1) throw new CodecError(CodecErrorCode.MissingAttribute, `Number of Frames ${JSON.stringify(framesText)} is not a positive integer`);
    const bitsAllocated = us(A.BitsAllocated, 'Bits Allocated');
    const image: ImagePixel = {
      rows: us(A.Rows, 'Rows'),
      columns: us(A.Columns, 'Columns'),
      samplesPerPixel: us(A.SamplesPerPixel, 'Samples per Pixel'),
      bitsAllocated,
      bitsStored: us(A.BitsStored, 'Bits Stored', bitsAllocated),
      pixelRepresentation: us(A.PixelRepresentation, 'Pixel Representation', 0),
      photometricInterpretation: photometric,
      numberOfFrames,
    };
    if (image.rows === 0 || image.columns === 0 || image.samplesPerPixel === 0 || bitsAllocated === 0 || bitsAllocated % 8 !== 0) {
      throw new CodecError(CodecErrorCode.UnsupportedImage, `${this.codec.name}: cannot decode ${image.rows}×${image.columns}, ${image.samplesPerPixel} samples of Bits Allocated ${bitsAllocated}`);
    }
    return image;
  }

  private frameCountMismatch(found: number): CodecError {
    return new CodecError(CodecErrorCode.FrameCountMismatch, `The encapsulated Pixel Data holds ${found} frames or more where Number of Frames is ${(this.image as ImagePixel).numberOfFrames}`);
  }

  private headerTooLarge(): CodecError {
    return new CodecError(CodecErrorCode.LimitExceeded, `The elements before Pixel Data exceed ${this.limits.maxHeaderBytes} bytes, the most Tessera holds while decoding`);
  }
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}

const evenLength = (text: string): number => text.length + (text.length % 2);

// CS values are padded to even length with a trailing space (PS3.5 6.2).
const cs = (text: string): Buffer => Buffer.from(text.length % 2 === 1 ? `${text} ` : text, 'latin1');
