import type { ImagePixel } from './image-pixel';

/**
 * Where each frame of an instance's top-level Pixel Data lies in its data set, so that one frame can
 * be read with one byte-range read. Offsets count data set bytes (after any Part 10 header; inflated
 * bytes for a deflated data set).
 */
export type FrameIndex =
  /** Native Pixel Data (PS3.5 8.1.1, 8.2): frame n (from 1) is frameLength bytes at valueOffset + (n − 1)·frameLength. */
  | { readonly kind: 'native'; readonly image: ImagePixel; readonly valueOffset: number; readonly frameLength: number }
  /**
   * Encapsulated Pixel Data (PS3.5 A.4): boundaries holds numberOfFrames + 1 offsets, the Item tag of
   * each frame's first fragment and then the end of the last fragment; frame n is the items in
   * [boundaries[n − 1], boundaries[n]).
   */
  | { readonly kind: 'encapsulated'; readonly image: ImagePixel; readonly boundaries: Float64Array }
  /** No frames can be served from this instance, and why (no Pixel Data, or a layout that cannot be read). */
  | { readonly kind: 'none'; readonly reason: string };

/** The byte range of frame n (from 1) in the data set, end exclusive; undefined when there is no such frame. */
export function frameByteRange(index: FrameIndex, frameNumber: number): { readonly start: number; readonly end: number } | undefined {
  if (index.kind === 'none' || !Number.isInteger(frameNumber) || frameNumber < 1 || frameNumber > index.image.numberOfFrames) return undefined;
  if (index.kind === 'native') {
    const start = index.valueOffset + (frameNumber - 1) * index.frameLength;
    return { start, end: start + index.frameLength };
  }
  return { start: index.boundaries[frameNumber - 1] as number, end: index.boundaries[frameNumber] as number };
}

/**
 * A frame as stored, from the bytes of its range: native bytes as they are, or for encapsulated Pixel
 * Data its fragments' values concatenated (the Item headers, always Little Endian, dropped; PS3.5 A.4).
 */
export function frameFromRange(index: FrameIndex, bytes: Buffer): Buffer {
  if (index.kind !== 'encapsulated') return bytes;
  const values: Buffer[] = [];
  let p = 0;
  while (p + 8 <= bytes.length) {
    const length = bytes.readUInt32LE(p + 4);
    values.push(bytes.subarray(p + 8, p + 8 + length));
    p += 8 + length;
  }
  return values.length === 1 ? (values[0] as Buffer) : Buffer.concat(values);
}

// The binary form: compact for 100 000 frames (8 bytes each), where JSON of objects would be tens of bytes each.
const FORMAT_VERSION = 1;
const KIND = { none: 0, native: 1, encapsulated: 2 } as const;

/** The index as bytes, for the catalog. */
export function encodeFrameIndex(index: FrameIndex): Buffer {
  if (index.kind === 'none') return Buffer.concat([Buffer.from([FORMAT_VERSION, KIND.none]), Buffer.from(index.reason, 'utf8')]);
  const photometric = Buffer.from(index.image.photometricInterpretation, 'latin1');
  const head = Buffer.alloc(2 + 12 + 4 + 1 + photometric.length);
  head.writeUInt8(FORMAT_VERSION, 0);
  head.writeUInt8(KIND[index.kind], 1);
  const i = index.image;
  [i.rows, i.columns, i.samplesPerPixel, i.bitsAllocated, i.bitsStored, i.pixelRepresentation].forEach((v, k) => head.writeUInt16LE(v, 2 + k * 2));
  head.writeUInt32LE(i.numberOfFrames, 14);
  head.writeUInt8(photometric.length, 18);
  photometric.copy(head, 19);
  if (index.kind === 'native') {
    const tail = Buffer.alloc(16);
    tail.writeDoubleLE(index.valueOffset, 0);
    tail.writeDoubleLE(index.frameLength, 8);
    return Buffer.concat([head, tail]);
  }
  const tail = Buffer.alloc(index.boundaries.length * 8);
  index.boundaries.forEach((b, k) => tail.writeDoubleLE(b, k * 8));
  return Buffer.concat([head, tail]);
}

/** The index from the bytes encodeFrameIndex made. */
export function decodeFrameIndex(bytes: Buffer): FrameIndex {
  if (bytes[0] !== FORMAT_VERSION) throw new Error(`Frame index format ${bytes[0]} is not one this version reads`);
  const kind = bytes[1];
  if (kind === KIND.none) return { kind: 'none', reason: bytes.subarray(2).toString('utf8') };
  const [rows, columns, samplesPerPixel, bitsAllocated, bitsStored, pixelRepresentation] = [0, 1, 2, 3, 4, 5].map((k) => bytes.readUInt16LE(2 + k * 2)) as [number, number, number, number, number, number];
  const photometricLength = bytes.readUInt8(18);
  const image: ImagePixel = {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    pixelRepresentation,
    numberOfFrames: bytes.readUInt32LE(14),
    photometricInterpretation: bytes.toString('latin1', 19, 19 + photometricLength),
  };
  const p = 19 + photometricLength;
  if (kind === KIND.native) return { kind: 'native', image, valueOffset: bytes.readDoubleLE(p), frameLength: bytes.readDoubleLE(p + 8) };
  const boundaries = new Float64Array((bytes.length - p) / 8);
  for (let k = 0; k < boundaries.length; k++) boundaries[k] = bytes.readDoubleLE(p + k * 8);
  return { kind: 'encapsulated', image, boundaries };
}
