import { FileBlobStore } from '@tessera/blob-store';
import { MemoryObjectCatalog } from '@tessera/catalog';
import { DatasetParser, DicomJsonBuilder, encodeDataset, encodeFileMeta, EXPLICIT_VR_LITTLE_ENDIAN, readFileMeta, TransferSyntaxUIDs, type DicomJsonDataset, type ElementSpec } from '@tessera/dicom';
import { silentLogger } from '@tessera/telemetry';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { StoreInstanceUseCase } from '../store-instance.use-case';
import { StoreStudiesUseCase } from './store-studies.use-case';

const CT = '1.2.840.10008.5.1.4.1.1.2';

function part10(sop: string, study = '1.2.826.0.7'): Buffer {
  const elements: ElementSpec[] = [
    { tag: 0x00080016, value: CT },
    { tag: 0x00080018, value: sop },
    { tag: 0x0020000d, value: study },
    { tag: 0x0020000e, value: `${study}.1` },
    { tag: 0x7fe00010, vr: 'OW', value: Buffer.alloc(200_000, 3) },
  ];
  return Buffer.concat([encodeFileMeta({ mediaStorageSOPClassUID: CT, mediaStorageSOPInstanceUID: sop, transferSyntaxUID: TransferSyntaxUIDs.ExplicitVRLittleEndian }), encodeDataset(elements, EXPLICIT_VR_LITTLE_ENDIAN)]);
}

function multipart(boundary: string, parts: Buffer[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), p, Buffer.from('\r\n'));
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

describe('StoreStudiesUseCase (STOW-RS)', () => {
  let root: string;
  let blobs: FileBlobStore;
  let catalog: MemoryObjectCatalog;
  let stow: StoreStudiesUseCase;
  let spool: string;
  const contentType = 'multipart/related; type="application/dicom"; boundary=b0undary';

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-stow-'));
    blobs = new FileBlobStore(root);
    await blobs.init();
    catalog = new MemoryObjectCatalog();
    spool = path.join(root, 'spool');
    await fs.mkdir(spool);
    stow = new StoreStudiesUseCase(new StoreInstanceUseCase(blobs, catalog, () => undefined, silentLogger, { maxHeaderBytes: 1 << 20, maxMetadataBytes: 1 << 20, source: 'test' }), {
      spoolDirectory: spool,
      maxMetadataPartBytes: 1 << 20,
    });
  });
  afterEach(async () => fs.rm(root, { recursive: true, force: true }));

  const files = async () => {
    const keys: string[] = [];
    for await (const k of blobs.list('')) keys.push(k);
    return keys.filter((k) => !k.startsWith('spool/'));
  };

  it('stores every part of a well-formed request', async () => {
    const body = multipart('b0undary', [part10('1.2.826.0.7.1.1'), part10('1.2.826.0.7.1.2')]);
    const result = await stow.execute({ tenant: 'default', contentType, body: Readable.from([body.subarray(0, 7777), body.subarray(7777)]), correlationId: 'c' });
    expect(result.kind).toBe('stored');
    if (result.kind === 'stored') expect(result.results.map((r) => r.result.outcome)).toEqual(['stored', 'stored']);
    expect(await files()).toHaveLength(2);
  });

  it('stores nothing from a truncated request, even its complete parts', async () => {
    const body = multipart('b0undary', [part10('1.2.826.0.7.1.1'), part10('1.2.826.0.7.1.2')], false);
    const result = await stow.execute({ tenant: 'default', contentType, body: Readable.from([body.subarray(0, body.length - 50_000)]), correlationId: 'c' });
    expect(result).toEqual({ kind: 'bad-request', message: expect.stringContaining('truncated') });
    expect(await files()).toEqual([]);
    expect(catalog.events).toEqual([]);
  });

  it('refuses a missing boundary, another media type, and an instance of another study', async () => {
    const empty = () => Readable.from([Buffer.from('x')]);
    expect(await stow.execute({ tenant: 'default', contentType: 'multipart/related; type="application/dicom"', body: empty(), correlationId: 'c' })).toMatchObject({ kind: 'bad-request' });
    expect(await stow.execute({ tenant: 'default', contentType: 'application/dicom', body: empty(), correlationId: 'c' })).toMatchObject({ kind: 'unsupported-media-type' });
    const result = await stow.execute({ tenant: 'default', contentType, body: Readable.from([multipart('b0undary', [part10('1.2.826.0.7.1.1')])]), studyInstanceUID: '1.2.3', correlationId: 'c' });
    if (result.kind !== 'stored') throw new Error(result.kind);
    expect(result.results[0]?.result).toMatchObject({ outcome: 'failed', reason: 'uid-mismatch' });
    expect(await files()).toEqual([]);
  });

  describe('metadata and bulk data (PS3.18 10.5.1.2)', () => {
    const jsonType = 'multipart/related; type="application/dicom+json"; boundary=b0undary';
    const instance = (sop: string, pixelData: DicomJsonDataset[string], extra: DicomJsonDataset = {}): DicomJsonDataset => ({
      '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
      '00080018': { vr: 'UI', Value: [sop] },
      '0020000D': { vr: 'UI', Value: ['1.2.826.0.7'] },
      '0020000E': { vr: 'UI', Value: ['1.2.826.0.7.1'] },
      '00280010': { vr: 'US', Value: [100] },
      '00280011': { vr: 'US', Value: [100] },
      '7FE00010': pixelData,
      ...extra,
    });
    const part = (headers: Record<string, string>, body: Buffer | string): { headers: Record<string, string>; body: Buffer } => ({ headers, body: Buffer.from(body) });
    const body = (parts: { headers: Record<string, string>; body: Buffer }[]): Buffer =>
      Buffer.concat([
        ...parts.flatMap((p) => [Buffer.from(`--b0undary\r\n${Object.entries(p.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`), p.body, Buffer.from('\r\n')]),
        Buffer.from('--b0undary--\r\n'),
      ]);
    const metadata = (...instances: DicomJsonDataset[]) => part({ 'Content-Type': 'application/dicom+json' }, JSON.stringify(instances));
    const execute = (b: Buffer) => stow.execute({ tenant: 'default', contentType: jsonType, body: Readable.from([b.subarray(0, 1000), b.subarray(1000)]), correlationId: 'c' });
    const pixels = Buffer.from(Array.from({ length: 20_000 }, (_, i) => i % 251));

    async function storedPixelData(sop: string): Promise<{ transferSyntaxUID: string; dataset: DicomJsonDataset; value: Buffer }> {
      const object = [...catalog.objects.values()].find((o) => o.sopInstanceUID === sop);
      if (!object) throw new Error(`${sop} not stored`);
      const bytes = await buffer(await blobs.get(object.objectKey));
      const meta = readFileMeta(bytes, true) as NonNullable<ReturnType<typeof readFileMeta>>;
      let range = { offset: 0, length: 0 };
      const builder = new DicomJsonBuilder((ref) => {
        range = ref;
        return 'pixels';
      });
      const parser = new DatasetParser(EXPLICIT_VR_LITTLE_ENDIAN, builder);
      parser.push(bytes.subarray(meta.datasetOffset));
      parser.end();
      const data = bytes.subarray(meta.datasetOffset);
      return { transferSyntaxUID: meta.meta.transferSyntaxUID, dataset: builder.dataset, value: data.subarray(range.offset, range.offset + range.length) };
    }

    it('stores native pixel data from a bulk data part that comes before or after the metadata, byte for byte', async () => {
      const result = await execute(
        body([
          part({ 'Content-Type': 'application/octet-stream', 'Content-Location': 'http://client/bulk/1' }, pixels),
          metadata(instance('1.2.826.0.7.1.1', { vr: 'OW', BulkDataURI: 'http://client/bulk/1' }), instance('1.2.826.0.7.1.2', { vr: 'OW', BulkDataURI: 'cid:second@client' })),
          part({ 'Content-Type': 'application/octet-stream', 'Content-ID': '<second@client>' }, pixels),
        ]),
      );
      if (result.kind !== 'stored') throw new Error(JSON.stringify(result));
      expect(result.results.map((r) => r.result.outcome)).toEqual(['stored', 'stored']);
      for (const sop of ['1.2.826.0.7.1.1', '1.2.826.0.7.1.2']) {
        const stored = await storedPixelData(sop);
        expect(stored.transferSyntaxUID).toBe(TransferSyntaxUIDs.ExplicitVRLittleEndian);
        expect(stored.value).toEqual(pixels);
        expect(stored.dataset['00280010']).toEqual({ vr: 'US', Value: [100] });
      }
      expect(await fs.readdir(spool)).toEqual([]);
    });

    it('encapsulates a compressed frame in the transfer syntax of its media type', async () => {
      const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xdb, 1, 2, 3, 0xff, 0xd9]);
      const result = await execute(body([metadata(instance('1.2.826.0.7.1.3', { vr: 'OB', BulkDataURI: 'frame' })), part({ 'Content-Type': 'image/jpeg', 'Content-Location': 'frame' }, jpeg)]));
      if (result.kind !== 'stored') throw new Error(JSON.stringify(result));
      expect(result.results[0]?.result.outcome).toBe('stored');
      const object = [...catalog.objects.values()][0];
      expect(object?.transferSyntaxUID).toBe('1.2.840.10008.1.2.4.50');
      const bytes = await buffer(await blobs.get(object?.objectKey as string));
      expect(bytes.includes(Buffer.concat([jpeg, Buffer.from([0])]))).toBe(true);
    });

    it('fails an instance whose BulkDataURI names no part, and stores the others', async () => {
      const result = await execute(
        body([
          metadata(instance('1.2.826.0.7.1.4', { vr: 'OW', BulkDataURI: 'missing' }), instance('1.2.826.0.7.1.5', { vr: 'OW', BulkDataURI: 'here' })),
          part({ 'Content-Type': 'application/octet-stream', 'Content-Location': 'here' }, pixels),
        ]),
      );
      if (result.kind !== 'stored') throw new Error(JSON.stringify(result));
      expect(result.results[0]).toMatchObject({ identity: { sopInstanceUID: '1.2.826.0.7.1.4' }, result: { outcome: 'failed', reason: 'invalid-dataset', message: expect.stringContaining('missing') } });
      expect(result.results[1]?.result.outcome).toBe('stored');
      expect(await files()).toHaveLength(1);
    });

    it('answers unavailable, storing nothing, when bulk data cannot be spooled', async () => {
      await fs.rm(spool, { recursive: true });
      const result = await execute(body([metadata(instance('1.2.826.0.7.1.7', { vr: 'OW', BulkDataURI: 'here' })), part({ 'Content-Location': 'here' }, pixels)]));
      expect(result).toEqual({ kind: 'unavailable', message: expect.stringContaining('No temporary directory') });
      expect(await files()).toEqual([]);
    });

    it('refuses metadata that is not a JSON array, and a truncated request, storing nothing', async () => {
      const notJson = await execute(body([part({ 'Content-Type': 'application/dicom+json' }, '[{"00080018": '), part({ 'Content-Location': 'here' }, pixels)]));
      expect(notJson).toEqual({ kind: 'bad-request', message: expect.stringContaining('not JSON') });
      const notArray = await execute(body([part({ 'Content-Type': 'application/dicom+json' }, '{}')]));
      expect(notArray).toEqual({ kind: 'bad-request', message: expect.stringContaining('not an array') });
      const whole = body([metadata(instance('1.2.826.0.7.1.6', { vr: 'OW', BulkDataURI: 'here' })), part({ 'Content-Location': 'here', 'Content-Type': 'application/octet-stream' }, pixels)]);
      const truncated = await execute(whole.subarray(0, whole.length - 5000));
      expect(truncated).toEqual({ kind: 'bad-request', message: expect.stringContaining('truncated') });
      expect(await files()).toEqual([]);
      expect(catalog.events).toEqual([]);
      expect(await fs.readdir(spool)).toEqual([]);
    });
  });
});
