import { encodeDataset, EXPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, TransferSyntaxUIDs, type TransferSyntax } from '@tessera/dicom';
import { buildFrameIndex } from './frame-index-builder';
import { decodeFrameIndex, encodeFrameIndex, frameByteRange, type FrameIndex } from './frame-index';

const FRAME = 512 * 512 * 2;

/** A native data set of `frames` frames of 512 x 512 x 16 bit, its Pixel Data streamed as one zero-filled buffer over and over. */
function* largeDataSet(frames: number): Generator<Buffer> {
  yield encodeDataset(
    [
      { tag: 0x00280002, vr: 'US', value: [1] },
      { tag: 0x00280004, value: 'MONOCHROME2' },
      { tag: 0x00280008, value: String(frames) },
      { tag: 0x00280010, vr: 'US', value: [512] },
      { tag: 0x00280011, vr: 'US', value: [512] },
      { tag: 0x00280100, vr: 'US', value: [16] },
      { tag: 0x00280101, vr: 'US', value: [16] },
      { tag: 0x00280102, vr: 'US', value: [15] },
      { tag: 0x00280103, vr: 'US', value: [0] },
    ],
    EXPLICIT_VR_LITTLE_ENDIAN,
  );
  // OW Pixel Data: tag, VR, 2 reserved bytes, 32-bit length (PS3.5 7.1.2).
  const header = Buffer.alloc(12);
  header.writeUInt32LE(0x00107fe0, 0);
  header.write('OW', 4, 'latin1');
  header.writeUInt32LE(frames * FRAME, 8);
  yield header;
  const zeros = Buffer.alloc(64 * FRAME);
  for (let left = frames * FRAME; left > 0; left -= zeros.length) yield zeros.subarray(0, Math.min(left, zeros.length));
}

const EXPLICIT = lookupTransferSyntax(TransferSyntaxUIDs.ExplicitVRLittleEndian) as TransferSyntax;

// The bench's STOW-RS and C-STORE case stores 4096 such frames (2 GiB), whose last frame ends past 2^31;
// a whole-slide level goes past 2^32. Offsets are doubles in the catalog form, never 32-bit integers.
describe('frame indexes of instances larger than 2^31 bytes', () => {
  it('locates the last of 4096 frames of 512 KiB, past 2^31, and keeps it through the catalog form', async () => {
    const index = await buildFrameIndex(largeDataSet(4096), EXPLICIT);
    if (index.kind !== 'native') throw new Error(JSON.stringify(index));
    const last = frameByteRange(decodeFrameIndex(encodeFrameIndex(index)), 4096);
    expect(last).toEqual({ start: index.valueOffset + 2 ** 31 - FRAME, end: index.valueOffset + 2 ** 31 });
    expect(last?.end).toBeGreaterThan(2 ** 31);
  });

  it('keeps native and encapsulated offsets past 2^32 through the catalog form', () => {
    const image = { rows: 512, columns: 512, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, photometricInterpretation: 'YBR_FULL_422', numberOfFrames: 3 };
    const native: FrameIndex = { kind: 'native', image, valueOffset: 2 ** 32 + 1234, frameLength: 3 * 2 ** 30 };
    expect(frameByteRange(decodeFrameIndex(encodeFrameIndex(native)), 3)).toEqual({ start: 2 ** 32 + 1234 + 6 * 2 ** 30, end: 2 ** 32 + 1234 + 9 * 2 ** 30 });
    const boundaries = Float64Array.from([900, 2 ** 31 + 8, 2 ** 32 + 16, 5 * 2 ** 31]);
    const encapsulated: FrameIndex = { kind: 'encapsulated', image, boundaries };
    const decoded = decodeFrameIndex(encodeFrameIndex(encapsulated));
    expect([1, 2, 3].map((n) => frameByteRange(decoded, n))).toEqual([
      { start: 900, end: 2 ** 31 + 8 },
      { start: 2 ** 31 + 8, end: 2 ** 32 + 16 },
      { start: 2 ** 32 + 16, end: 5 * 2 ** 31 },
    ]);
  });
});
