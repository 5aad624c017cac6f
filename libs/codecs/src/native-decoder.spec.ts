import { IMPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, type ElementSpec, type TransferSyntax } from '@tessera/dicom';
import { readNativeDataSet, rleDataSet, rleFrame } from '@tessera/testing';
import { Readable } from 'node:stream';
import { CodecErrorCode } from './codec-error';
import { decodeToNative, openDecodedToNative, type DecodeLimits } from './native-decoder';
import { decodeRleFrame } from './rle-decoder';

const RLE = lookupTransferSyntax('1.2.840.10008.1.2.5') as TransferSyntax;

const rgb = (rows: number, columns: number, frames: number): ElementSpec[] => [
  { tag: 0x00080016, value: '1.2.840.10008.5.1.4.1.1.7' },
  { tag: 0x00100010, value: 'Decode^Me' },
  { tag: 0x00280000, vr: 'UL', value: [999] },
  { tag: 0x00280002, value: [3] },
  { tag: 0x00280004, value: 'RGB' },
  { tag: 0x00280008, value: String(frames) },
  { tag: 0x00280010, value: [rows] },
  { tag: 0x00280011, value: [columns] },
  { tag: 0x00280100, value: [8] },
  { tag: 0x00280101, value: [8] },
  { tag: 0x00280102, value: [7] },
  { tag: 0x00280103, value: [0] },
  { tag: 0x00400275, vr: 'SQ', value: [[{ tag: 0x00401001, value: 'RP1' }]] },
  { tag: 0x7fe00001, vr: 'OV', value: Buffer.alloc(8 * frames) },
  { tag: 0x7fe00002, vr: 'OV', value: Buffer.alloc(8 * frames) },
];

/** Colour-by-pixel RGB frames and their RLE code streams (one segment per sample). */
function rgbFrames(rows: number, columns: number, frames: number): { native: Buffer; encoded: Buffer[] } {
  const natives: Buffer[] = [];
  const encoded: Buffer[] = [];
  for (let f = 0; f < frames; f++) {
    const pixels = rows * columns;
    const planes = [0, 1, 2].map((s) => Buffer.from(Array.from({ length: pixels }, (_, p) => (p * 7 + s * 50 + f * 13) & 0xff)));
    natives.push(Buffer.from(Array.from({ length: pixels * 3 }, (_, i) => (planes[i % 3] as Buffer)[Math.floor(i / 3)] as number)));
    encoded.push(rleFrame(planes));
  }
  return { native: Buffer.concat(natives), encoded };
}

async function decode(data: Buffer, chunk: number, target: 'explicit-little-endian' | 'implicit-little-endian' = 'explicit-little-endian', limits?: DecodeLimits): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) parts.push(data.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const c of decodeToNative(Readable.from(parts), RLE, target, limits)) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('decodeRleFrame (PS3.5 Annex G)', () => {
  it('unpacks literal, replicate and no-op runs, most significant byte segment first, into little-endian samples', () => {
    const image = { rows: 2, columns: 2, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', numberOfFrames: 1 };
    // High bytes: replicate 0x12 four times (-3), then padding. Low bytes: no-op (-128), literal of 4.
    const high = Buffer.from([0xfd, 0x12]);
    const low = Buffer.from([0x80, 0x03, 0x01, 0x02, 0x03, 0x04, 0x00]);
    const header = Buffer.alloc(64);
    header.writeUInt32LE(2, 0);
    header.writeUInt32LE(64, 4);
    header.writeUInt32LE(64 + high.length, 8);
    const pixels = decodeRleFrame(Buffer.concat([header, high, low]), image);
    expect(Buffer.from(pixels)).toEqual(Buffer.from([0x01, 0x12, 0x02, 0x12, 0x03, 0x12, 0x04, 0x12]));
  });

  it('refuses a header whose segment count does not fit the image, and a segment that ends early', () => {
    const image = { rows: 2, columns: 2, samplesPerPixel: 1, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', numberOfFrames: 1 };
    const header = Buffer.alloc(64);
    header.writeUInt32LE(2, 0);
    expect(() => decodeRleFrame(header, image)).toThrow(expect.objectContaining({ code: CodecErrorCode.CorruptFrame }));
    header.writeUInt32LE(1, 0);
    header.writeUInt32LE(64, 4);
    expect(() => decodeRleFrame(Buffer.concat([header, Buffer.from([0x01, 0x05, 0x06])]), image)).toThrow(/decodes to 2 bytes where 4 are needed/);
  });
});

describe('decodeToNative', () => {
  it('writes native Pixel Data and rewrites the Image Pixel attributes, keeping every other element', async () => {
    const { native, encoded } = rgbFrames(3, 5, 3);
    const out = readNativeDataSet(await decode(rleDataSet(rgb(3, 5, 3), encoded), 4096));
    expect(out.pixelVR).toBe('OB');
    // 3 × 5 × 3 samples × 3 frames is odd: one byte of padding (PS3.5 7.1.1).
    expect(out.pixels).toEqual(Buffer.concat([native, Buffer.alloc(1)]));
    expect(out.json['00280006']).toEqual({ vr: 'US', Value: [0] });
    expect(out.json['00280004']).toEqual({ vr: 'CS', Value: ['RGB'] });
    expect(out.json['00400275']).toEqual({ vr: 'SQ', Value: [{ '00401001': { vr: 'SH', Value: ['RP1'] } }] });
    expect(out.json['00282110']).toBeUndefined();
    // Group length and the extended offset table are gone; Planar Configuration is in tag order.
    expect(out.tags).toEqual([0x00080016, 0x00100010, 0x00280002, 0x00280004, 0x00280006, 0x00280008, 0x00280010, 0x00280011, 0x00280100, 0x00280101, 0x00280102, 0x00280103, 0x00400275, 0x7fe00010, 0xfffcfffc]);
  });

  it('gives the same bytes whatever the input chunks, down to one byte', async () => {
    const { encoded } = rgbFrames(4, 4, 2);
    const data = rleDataSet(rgb(4, 4, 2), encoded);
    expect((await decode(data, 1)).equals(await decode(data, 65536))).toBe(true);
  });

  it('writes Implicit VR Little Endian with the same values', async () => {
    const { native, encoded } = rgbFrames(2, 2, 1);
    const data = rleDataSet(rgb(2, 2, 1), encoded);
    const implicit = readNativeDataSet(await decode(data, 100, 'implicit-little-endian'), IMPLICIT_VR_LITTLE_ENDIAN);
    expect(implicit.pixels).toEqual(native);
    expect(implicit.json['00280006']).toEqual({ vr: 'US', Value: [0] });
  });

  it('sends each frame as soon as it is decoded, before the next one has arrived', async () => {
    const { native, encoded } = rgbFrames(8, 8, 2);
    const data = rleDataSet(rgb(8, 8, 2), encoded);
    const secondFrameAt = data.indexOf(encoded[1] as Buffer);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* input(): AsyncGenerator<Buffer> {
      yield data.subarray(0, secondFrameAt + 10);
      await gate;
      yield data.subarray(secondFrameAt + 10);
    }
    const stream = decodeToNative(input(), RLE, 'explicit-little-endian');
    const received: Buffer[] = [];
    for await (const chunk of stream) {
      received.push(chunk as Buffer);
      if (Buffer.concat(received).includes(native.subarray(0, 192))) break;
    }
    // The first frame came out while the second was still incomplete upstream.
    expect(Buffer.concat(received).includes(native.subarray(0, 192))).toBe(true);
    release();
  });

  it('fails when the fragments hold another number of frames than Number of Frames says', async () => {
    const { encoded } = rgbFrames(2, 2, 2);
    await expect(decode(rleDataSet(rgb(2, 2, 3), encoded), 4096)).rejects.toMatchObject({ code: CodecErrorCode.FrameCountMismatch });
    await expect(decode(rleDataSet(rgb(2, 2, 1), encoded), 4096)).rejects.toMatchObject({ code: CodecErrorCode.FrameCountMismatch });
  });

  it('fails without Rows, before writing anything', async () => {
    const { encoded } = rgbFrames(2, 2, 1);
    await expect(decode(rleDataSet(rgb(2, 2, 1).filter((e) => e.tag !== 0x00280010), encoded), 4096)).rejects.toMatchObject({ code: CodecErrorCode.MissingAttribute, message: expect.stringContaining('Rows') });
  });

  it('openDecodedToNative fails before yielding anything when the first frame cannot be decoded, and only later for a later frame', async () => {
    const { native, encoded } = rgbFrames(2, 2, 2);
    const opened = await openDecodedToNative(Readable.from([rleDataSet(rgb(2, 2, 2), encoded)]), RLE, 'explicit-little-endian');
    const whole: Buffer[] = [];
    for await (const chunk of opened) whole.push(chunk as Buffer);
    expect(readNativeDataSet(Buffer.concat(whole)).pixels).toEqual(native);
    const corruptFirst = [rleFrame([Buffer.alloc(1)]), encoded[1] as Buffer];
    await expect(openDecodedToNative(Readable.from([rleDataSet(rgb(2, 2, 2), corruptFirst)]), RLE, 'explicit-little-endian')).rejects.toMatchObject({ code: CodecErrorCode.CorruptFrame });
    const corruptSecond = [encoded[0] as Buffer, rleFrame([Buffer.alloc(1)])];
    const late = await openDecodedToNative(Readable.from([rleDataSet(rgb(2, 2, 2), corruptSecond)]), RLE, 'explicit-little-endian');
    await expect((async () => {
      for await (const chunk of late) void chunk;
    })()).rejects.toMatchObject({ code: CodecErrorCode.CorruptFrame });
  });

  it('refuses frames beyond the frame limit, and Pixel Data that no native length can hold (PS3.5 7.1.1)', async () => {
    const { encoded } = rgbFrames(2, 2, 1);
    const limits = { maxFrameBytes: 11, maxHeaderBytes: 1 << 20 };
    await expect(decode(rleDataSet(rgb(2, 2, 1), encoded), 4096, 'explicit-little-endian', limits)).rejects.toMatchObject({ code: CodecErrorCode.LimitExceeded });
    // 60 000 × 60 000 RGB frames: 10.8 GB each, 2 of them.
    const huge = rgb(60000, 60000, 2);
    await expect(decode(rleDataSet(huge, encoded), 4096, 'explicit-little-endian', { maxFrameBytes: 2 ** 40, maxHeaderBytes: 1 << 20 })).rejects.toMatchObject({
      code: CodecErrorCode.LimitExceeded,
      message: expect.stringContaining('encapsulated transfer syntax'),
    });
  });

  it('refuses a transfer syntax it has no decoder for', async () => {
    const part2 = lookupTransferSyntax('1.2.840.10008.1.2.4.92') as TransferSyntax;
    const stream = decodeToNative(Readable.from([Buffer.alloc(0)]), part2, 'explicit-little-endian');
    await expect(stream.toArray()).rejects.toMatchObject({ code: CodecErrorCode.UnsupportedTransferSyntax });
  });
});
