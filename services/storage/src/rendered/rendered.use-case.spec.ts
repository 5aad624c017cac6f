import type { DicomJsonDataset } from '@tessera/dicom';
import { InMemoryFrameSource, type RenderOptions, type SourceFrame } from '@tessera/rendering';
import { Readable } from 'node:stream';
import { inflateSync } from 'node:zlib';
import { InstanceRenderer } from './instance-renderer';
import { RetrieveRenderedUseCase, type RenderedResult } from './retrieve-rendered.use-case';
import { RetrieveThumbnailUseCase } from './retrieve-thumbnail.use-case';

const STUDY = '1.2.3';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

function instance(series: string, uid: string, extra: DicomJsonDataset = {}): DicomJsonDataset {
  return {
    '00080018': { vr: 'UI', Value: [uid] },
    '0020000D': { vr: 'UI', Value: [STUDY] },
    '0020000E': { vr: 'UI', Value: [series] },
    '00280010': { vr: 'US', Value: [2] },
    '00280011': { vr: 'US', Value: [4] },
    ...extra,
  };
}
const report = (uid: string): DicomJsonDataset => ({ '00080018': { vr: 'UI', Value: [uid] }, '0020000D': { vr: 'UI', Value: [STUDY] }, '0020000E': { vr: 'UI', Value: ['1.2.3.9'] } });

// A 4×2 grey frame whose every pixel holds `value`, so each rendering can be told apart.
function greyFrame(value: number, columns = 4, rows = 2, photometricInterpretation = 'MONOCHROME2'): SourceFrame {
  const data = Buffer.alloc(rows * columns * 2);
  for (let i = 0; i < rows * columns; i++) data.writeUInt16LE(i === 0 ? 0 : value, i * 2);
  return { transferSyntaxUID: EXPLICIT_LE, image: { rows, columns, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0, photometricInterpretation, numberOfFrames: 1 }, data };
}

const png: RenderOptions = { mediaType: 'image/png', quality: 90, window: { center: 50, width: 100, fn: 'LINEAR_EXACT' } };
// Width, height and the first row of pixels of a PNG from libs/rendering (one grey IDAT, Sub filter).
function pngOf(body: Buffer): { width: number; height: number; colour: number } {
  return { width: body.readUInt32BE(16), height: body.readUInt32BE(20), colour: body[25] as number };
}

// The first `count` samples of a PNG from libs/rendering (its IDAT follows IHDR; each row Sub-filtered).
function firstSamples(body: Buffer, count: number, channels: number): number[] {
  const raw = inflateSync(body.subarray(41, 41 + body.readUInt32BE(33)));
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(((raw[1 + i] as number) + (i >= channels ? (out[i - channels] as number) : 0)) & 0xff);
  return out;
}

function setup(metadata: DicomJsonDataset[], bulk: Record<string, Buffer> = {}) {
  const frames = new InMemoryFrameSource();
  const index = { metadata: (_t: string, scope: { study: string; series?: string; instance?: string }) =>
    Promise.resolve(metadata.filter((m) => m['0020000D']?.Value?.[0] === scope.study && (!scope.series || m['0020000E']?.Value?.[0] === scope.series) && (!scope.instance || m['00080018']?.Value?.[0] === scope.instance))) };
  const bulkData = {
    execute: (_t: string, _ids: unknown, offset: number, length: number) => {
      const data = bulk[`${offset}-${length}`];
      return Promise.resolve(data ? { kind: 'bulk' as const, length, open: () => Promise.resolve(Readable.from([data])) } : { kind: 'not-found' as const, message: 'none' });
    },
  };
  const renderer = new InstanceRenderer(frames, bulkData);
  return { frames, rendered: new RetrieveRenderedUseCase(index, renderer), thumbnails: new RetrieveThumbnailUseCase(index, renderer) };
}

async function parts(result: RenderedResult) {
  if (result.kind !== 'multipart') throw new Error(`expected multipart, got ${result.kind}`);
  return Promise.all(result.parts.map((p) => p.render()));
}

describe('RetrieveRenderedUseCase', () => {
  it('renders an instance as one image, through the requested window', async () => {
    const { frames, rendered } = setup([instance('1.2.3.1', '1.2.3.1.1')]);
    frames.put('t', '1.2.3.1.1', 1, greyFrame(100));
    const result = await rendered.execute('t', { study: STUDY, series: '1.2.3.1', instance: '1.2.3.1.1' }, png);
    expect(result.kind).toBe('single');
    if (result.kind !== 'single') return;
    expect(result.image.mediaType).toBe('image/png');
    expect(pngOf(result.image.body)).toEqual({ width: 4, height: 2, colour: 0 });
    // 0 is below the 0–100 window, 100 its top.
    expect(firstSamples(result.image.body, 2, 1)).toEqual([0, 255]);
  });

  it('renders each listed frame of a multi-frame instance, in the order asked', async () => {
    const { frames, rendered } = setup([instance('1.2.3.1', '1.2.3.1.1', { '00280008': { vr: 'IS', Value: [3] } })]);
    for (const n of [1, 2, 3]) frames.put('t', '1.2.3.1.1', n, greyFrame(n * 30));
    const images = await parts(await rendered.execute('t', { study: STUDY, series: '1.2.3.1', instance: '1.2.3.1.1', frames: [3, 2] }, png));
    // Frame n holds n × 30 outside its first pixel: 90 and 60 through the 0–100 window.
    expect(images.map((i) => firstSamples(i.body, 2, 1)[1])).toEqual([Math.round((90 / 100) * 255), Math.round((60 / 100) * 255)]);
    expect(await rendered.execute('t', { study: STUDY, series: '1.2.3.1', instance: '1.2.3.1.1', frames: [4] }, png)).toEqual({ kind: 'not-found', message: 'Instance 1.2.3.1.1 has 3 frame(s), not frame 4' });
  });

  it('renders the first frame of every image instance of a series or study as parts, skipping non-images', async () => {
    const { frames, rendered } = setup([instance('1.2.3.1', '1.2.3.1.1'), instance('1.2.3.1', '1.2.3.1.2'), report('1.2.3.9.1'), instance('1.2.3.2', '1.2.3.2.1')]);
    for (const uid of ['1.2.3.1.1', '1.2.3.1.2', '1.2.3.2.1']) frames.put('t', uid, 1, greyFrame(60));
    expect(await parts(await rendered.execute('t', { study: STUDY, series: '1.2.3.1' }, png))).toHaveLength(2);
    expect(await parts(await rendered.execute('t', { study: STUDY }, png))).toHaveLength(3);
  });

  it('answers not found and not an image', async () => {
    const { rendered } = setup([report('1.2.3.9.1')]);
    expect((await rendered.execute('t', { study: '9.9' }, png)).kind).toBe('not-found');
    expect(await rendered.execute('t', { study: STUDY }, png)).toEqual({ kind: 'not-an-image' });
  });

  it('reports a frame the object store does not hold as a rendering failure', async () => {
    const { rendered } = setup([instance('1.2.3.1', '1.2.3.1.1')]);
    const result = await rendered.execute('t', { study: STUDY, series: '1.2.3.1', instance: '1.2.3.1.1' }, png);
    expect(result.kind === 'failed' && result.error.message).toBe('Frame 1 of 1.2.3.1.1 is not in the object store');
  });

  it('reads palette tables that the metadata left as bulk data', async () => {
    const lut = (value: number) => Buffer.from(new Uint16Array(256).fill(value << 8).buffer);
    const descriptor = { vr: 'US' as const, Value: [256, 0, 16] };
    const { frames, rendered } = setup(
      [
        instance('1.2.3.1', '1.2.3.1.1', {
          '00280004': { vr: 'CS', Value: ['PALETTE COLOR'] },
          '00281101': descriptor,
          '00281102': descriptor,
          '00281103': descriptor,
          '00281201': { vr: 'OW', BulkDataURI: 'bulkdata/100-512' },
          '00281202': { vr: 'OW', BulkDataURI: 'bulkdata/612-512' },
          '00281203': { vr: 'OW', InlineBinary: lut(30).toString('base64') },
        }),
      ],
      { '100-512': lut(10), '612-512': lut(20) },
    );
    const frame = greyFrame(5, 4, 2, 'PALETTE COLOR');
    frames.put('t', '1.2.3.1.1', 1, { ...frame, image: { ...frame.image, bitsStored: 8, bitsAllocated: 8 }, data: Buffer.alloc(8, 5) });
    const result = await rendered.execute('t', { study: STUDY, series: '1.2.3.1', instance: '1.2.3.1.1' }, png);
    expect(result.kind === 'single' && pngOf(result.image.body)).toEqual({ width: 4, height: 2, colour: 2 });
    expect(result.kind === 'single' && firstSamples(result.image.body, 3, 3)).toEqual([10, 20, 30]);
  });

  it('reads a VOI LUT Sequence left as bulk data in the byte order of a big-endian instance', async () => {
    // 4096 entries (more than InlineBinary holds), rising 0…4095 in 12 bits, stored big endian.
    const table = Buffer.alloc(8192);
    for (let i = 0; i < 4096; i++) table.writeUInt16BE(i, i * 2);
    const voiLut = { vr: 'SQ' as const, Value: [{ '00283002': { vr: 'US' as const, Value: [4096, 0, 12] }, '00283006': { vr: 'OW' as const, BulkDataURI: 'bulkdata/200-8192' } }] };
    const { frames, rendered } = setup([instance('1.2.3.1', '1.2.3.1.1', { '00283010': voiLut })], { '200-8192': table });
    const frame = greyFrame(0);
    const data = Buffer.alloc(16);
    data.writeUInt16BE(1024, 0);
    data.writeUInt16BE(4095, 2);
    frames.put('t', '1.2.3.1.1', 1, { ...frame, transferSyntaxUID: '1.2.840.10008.1.2.2', data });
    const result = await rendered.execute('t', { study: STUDY, series: '1.2.3.1', instance: '1.2.3.1.1' }, { ...png, window: undefined });
    expect(result.kind === 'single' && firstSamples(result.image.body, 3, 1)).toEqual([Math.round((1024 * 255) / 4095), 255, 0]);
  });
});

describe('RetrieveThumbnailUseCase', () => {
  it('shows the middle instance of the first series, fitted in 128×128', async () => {
    const big = { '00280010': { vr: 'US' as const, Value: [256] }, '00280011': { vr: 'US' as const, Value: [512] } };
    const { frames, thumbnails } = setup([instance('1.2.3.1', '1.2.3.1.1', big), instance('1.2.3.1', '1.2.3.1.2', big), instance('1.2.3.1', '1.2.3.1.3', big), instance('1.2.3.2', '1.2.3.2.1', big)]);
    frames.put('t', '1.2.3.1.2', 1, greyFrame(40, 512, 256));
    const result = await thumbnails.execute('t', { study: STUDY }, png);
    expect(result.kind === 'thumbnail' && pngOf(result.image.body)).toEqual({ width: 128, height: 64, colour: 0 });
  });

  it('keeps small images at their size and honours a viewport', async () => {
    const { frames, thumbnails } = setup([instance('1.2.3.1', '1.2.3.1.1')]);
    frames.put('t', '1.2.3.1.1', 1, greyFrame(40));
    const small = await thumbnails.execute('t', { study: STUDY, series: '1.2.3.1', instance: '1.2.3.1.1' }, png);
    expect(small.kind === 'thumbnail' && pngOf(small.image.body)).toEqual({ width: 4, height: 2, colour: 0 });
    const wide = await thumbnails.execute('t', { study: STUDY, series: '1.2.3.1' }, { ...png, viewport: { width: 8 } });
    expect(wide.kind === 'thumbnail' && pngOf(wide.image.body)).toEqual({ width: 8, height: 4, colour: 0 });
  });
});
