import { encodeDataset, EXPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, readFileMeta, Tags, type TransferSyntax } from '@tessera/dicom';
import { pydicomTestFiles } from '@tessera/testing';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildFrameIndex } from './frame-index-builder';
import { decodeFrameIndex, encodeFrameIndex, frameByteRange, frameFromRange, type FrameIndex } from './frame-index';

// Over pydicom's test files (STYLE 11): objects no one here wrote, read in chunks of awkward sizes.
function dataSetOf(name: string): { dataSet: Buffer; ts: TransferSyntax } {
  const file = fs.readFileSync(path.join(pydicomTestFiles(), name));
  const meta = readFileMeta(file, true);
  if (!meta) throw new Error(`${name} has no file meta`);
  return { dataSet: file.subarray(meta.datasetOffset), ts: lookupTransferSyntax(meta.meta.transferSyntaxUID) as TransferSyntax };
}

function chunks(bytes: Buffer, size = 997): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

async function index(dataSet: Buffer, ts: TransferSyntax): Promise<FrameIndex> {
  const built = await buildFrameIndex(chunks(dataSet), ts);
  // Whatever is built goes through the catalog's binary form.
  return decodeFrameIndex(encodeFrameIndex(built));
}

function frames(index: FrameIndex, dataSet: Buffer): Buffer[] {
  if (index.kind === 'none') throw new Error(index.reason);
  return Array.from({ length: index.image.numberOfFrames }, (_, k) => {
    const range = frameByteRange(index, k + 1) as { start: number; end: number };
    return frameFromRange(index, dataSet.subarray(range.start, range.end));
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function item(bytes: Buffer): Buffer {
  const h = Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0, 0, 0, 0]);
  h.writeUInt32LE(bytes.length, 4);
  return Buffer.concat([h, bytes]);
}

/** A JPEG data set of these frames, each cut into fragments, with the given offset tables. */
function reencapsulated(frameList: readonly Buffer[], pieces: number, tables: { bot: boolean; eot: boolean }, numberOfFrames = frameList.length): Buffer {
  const fragmentsOf = (f: Buffer): Buffer[] => {
    const size = Math.ceil(f.length / pieces / 2) * 2;
    return Array.from({ length: Math.ceil(f.length / size) }, (_, k) => item(f.subarray(k * size, (k + 1) * size)));
  };
  const frameItems = frameList.map((f) => Buffer.concat(fragmentsOf(f)));
  const offsets = frameItems.reduce<number[]>((acc, _f, k) => [...acc, k === 0 ? 0 : (acc[k - 1] as number) + (frameItems[k - 1] as Buffer).length], []);
  const eot = Buffer.alloc(offsets.length * 8);
  offsets.forEach((o, k) => eot.writeBigUInt64LE(BigInt(o), k * 8));
  const bot = Buffer.alloc(tables.bot ? offsets.length * 4 : 0);
  if (tables.bot) offsets.forEach((o, k) => bot.writeUInt32LE(o, k * 4));
  const attributes = encodeDataset(
    [
      { tag: 0x00280002, value: [3] },
      { tag: 0x00280004, value: 'YBR_FULL_422' },
      { tag: Tags.NumberOfFrames, value: String(numberOfFrames) },
      { tag: Tags.Rows, value: [100] },
      { tag: Tags.Columns, value: [100] },
      { tag: Tags.BitsAllocated, value: [8] },
      ...(tables.eot ? [{ tag: 0x7fe00001, vr: 'OV' as const, value: eot }] : []),
    ],
    EXPLICIT_VR_LITTLE_ENDIAN,
  );
  const pixelHeader = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  return Buffer.concat([attributes, pixelHeader, item(bot), ...frameItems, Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0])]);
}

describe('the frame index of a stored data set', () => {
  it('locates native frames (Implicit VR LE and Explicit VR BE) from the Image Pixel attributes', async () => {
    for (const name of ['rtdose.dcm', 'rtdose_expb.dcm']) {
      const { dataSet, ts } = dataSetOf(name);
      const built = await index(dataSet, ts);
      expect(built).toMatchObject({ kind: 'native', frameLength: 10 * 10 * 4, image: { rows: 10, columns: 10, bitsAllocated: 32, numberOfFrames: 15 } });
      const all = frames(built, dataSet);
      // The frames tile the Pixel Data value exactly.
      const valueOffset = (built as { valueOffset: number }).valueOffset;
      expect(Buffer.concat(all)).toEqual(dataSet.subarray(valueOffset, valueOffset + 15 * 400));
      expect(frameByteRange(built, 16)).toBeUndefined();
      expect(frameByteRange(built, 0)).toBeUndefined();
    }
  });

  it('reads JPEG frames through the Basic Offset Table', async () => {
    const { dataSet, ts } = dataSetOf('examples_ybr_color.dcm');
    const built = await index(dataSet, ts);
    expect(built).toMatchObject({ kind: 'encapsulated', image: { numberOfFrames: 30, photometricInterpretation: 'YBR_FULL_422', samplesPerPixel: 3 } });
    for (const f of frames(built, dataSet)) {
      expect([f[0], f[1]]).toEqual([0xff, 0xd8]);
      expect(f.includes(Buffer.from([0xff, 0xd9]), f.length - 3)).toBe(true);
    }
  });

  it('reads RLE frames one fragment each when there is no offset table', async () => {
    const { dataSet, ts } = dataSetOf('rtdose_rle.dcm');
    const built = await index(dataSet, ts);
    expect(built).toMatchObject({ kind: 'encapsulated', image: { numberOfFrames: 15 } });
    // An RLE frame opens with its 64-byte header, whose first number is the segment count (PS3.5 G.5): 4 for 32-bit samples.
    for (const f of frames(built, dataSet)) expect(f.readUInt32LE(0)).toBe(4);
  });

  it('reads frames of several fragments through the Extended Offset Table, and without any table by where JPEG code streams begin', async () => {
    const { dataSet, ts } = dataSetOf('examples_ybr_color.dcm');
    const original = frames(await index(dataSet, ts), dataSet).slice(0, 5);
    for (const tables of [
      { bot: false, eot: true },
      { bot: true, eot: false },
      { bot: false, eot: false },
    ]) {
      const rebuilt = reencapsulated(original, 3, tables);
      const built = await index(rebuilt, ts);
      expect(frames(built, rebuilt).map(sha)).toEqual(original.map(sha));
    }
  });

  it('says why when the fragments do not match Number of Frames', async () => {
    const { dataSet, ts } = dataSetOf('examples_ybr_color.dcm');
    const original = frames(await index(dataSet, ts), dataSet).slice(0, 3);
    const rebuilt = reencapsulated(original, 1, { bot: false, eot: false }, 4);
    expect(await index(rebuilt, ts)).toEqual({ kind: 'none', reason: '3 frames (by where code streams begin) where Number of Frames is 4' });
    const offTable = reencapsulated(original, 2, { bot: true, eot: false }, 2);
    expect(await index(offTable, ts)).toEqual({ kind: 'none', reason: '3 frames (by the Basic Offset Table) where Number of Frames is 2' });
  });

  it('has no frames where Number of Frames cannot be one', async () => {
    const { dataSet, ts } = dataSetOf('examples_ybr_color.dcm');
    const original = frames(await index(dataSet, ts), dataSet).slice(0, 2);
    const huge = reencapsulated(original, 1, { bot: false, eot: false }, 99999999999);
    expect(await index(huge, ts)).toEqual({ kind: 'none', reason: 'Number of Frames "99999999999" is not a positive integer (IS, PS3.5 6.2)' });
  });

  it('has no frames without Pixel Data', async () => {
    const plain = encodeDataset([{ tag: Tags.Rows, value: [4] }], EXPLICIT_VR_LITTLE_ENDIAN);
    expect(await index(plain, lookupTransferSyntax('1.2.840.10008.1.2.1') as TransferSyntax)).toEqual({ kind: 'none', reason: 'The instance has no Pixel Data' });
  });
});
