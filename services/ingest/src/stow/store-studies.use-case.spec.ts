import { FileBlobStore } from '@tessera/blob-store';
import { MemoryObjectCatalog } from '@tessera/catalog';
import { encodeDataset, encodeFileMeta, EXPLICIT_VR_LITTLE_ENDIAN, TransferSyntaxUIDs, type ElementSpec } from '@tessera/dicom';
import { silentLogger } from '@tessera/telemetry';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
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
  const contentType = 'multipart/related; type="application/dicom"; boundary=b0undary';

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-stow-'));
    blobs = new FileBlobStore(root);
    await blobs.init();
    catalog = new MemoryObjectCatalog();
    stow = new StoreStudiesUseCase(new StoreInstanceUseCase(blobs, catalog, () => undefined, silentLogger, { maxHeaderBytes: 1 << 20, maxMetadataBytes: 1 << 20, source: 'test' }));
  });
  afterEach(async () => fs.rm(root, { recursive: true, force: true }));

  const files = async () => {
    const keys: string[] = [];
    for await (const k of blobs.list('')) keys.push(k);
    return keys;
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
});
