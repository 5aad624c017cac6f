import { MemoryBlobStore, type BlobStore } from '@tessera/blob-store';
import { MemoryObjectCatalog } from '@tessera/catalog';
import { decodeFrameIndex } from '@tessera/codecs';
import { InstanceStoredV1, parseEvent } from '@tessera/contracts';
import { encodeDataset, readFileMeta, TransferSyntaxUIDs, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, type ElementSpec } from '@tessera/dicom';
import { silentLogger } from '@tessera/telemetry';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { deflateRawSync } from 'node:zlib';
import { StoreFailure, StoreInstanceUseCase, type StoreInstanceCommand } from './store-instance.use-case';

const CT = '1.2.840.10008.5.1.4.1.1.2';

function dataset(overrides: Partial<Record<'sop' | 'study' | 'series' | 'sopClass', string>> = {}, extra: ElementSpec[] = []): ElementSpec[] {
  return [
    { tag: 0x00080016, value: overrides.sopClass ?? CT },
    { tag: 0x00080018, value: overrides.sop ?? '1.2.826.0.1.1' },
    { tag: 0x00080060, value: 'CT' },
    { tag: 0x00100010, value: 'Doe^Jane' },
    { tag: 0x0020000d, value: overrides.study ?? '1.2.826.0.1' },
    { tag: 0x0020000e, value: overrides.series ?? '1.2.826.0.1.9' },
    { tag: 0x00280010, vr: 'US', value: [4] },
    { tag: 0x7fe00010, vr: 'OW', value: Buffer.alloc(4096, 7) },
    ...extra,
  ];
}

function chunked(data: Buffer, size = 1000): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

function setup(blobs: BlobStore = new MemoryBlobStore()) {
  const catalog = new MemoryObjectCatalog();
  let notified = 0;
  const useCase = new StoreInstanceUseCase(blobs, catalog, () => (notified += 1), silentLogger, { maxHeaderBytes: 64 * 1024, maxMetadataBytes: 64 * 1024, source: 'ingest@test' });
  const store = (data: Buffer, extra: Partial<StoreInstanceCommand> = {}) =>
    useCase.execute({
      tenant: 'default',
      transferSyntaxUID: TransferSyntaxUIDs.ExplicitVRLittleEndian,
      dataSet: chunked(data),
      receivedVia: { protocol: 'DIMSE', callingAETitle: 'MODALITY' },
      correlationId: 'test',
      ...extra,
    });
  return { blobs, catalog, store, notified: () => notified };
}

describe('StoreInstanceUseCase', () => {
  it('stores the data set unchanged behind a Part 10 header and records one instance.stored event', async () => {
    const { blobs, catalog, store, notified } = setup();
    const data = encodeDataset(dataset(), EXPLICIT_VR_LITTLE_ENDIAN);
    const result = await store(data, { announced: { sopClassUID: CT, sopInstanceUID: '1.2.826.0.1.1', binding: true } });
    expect(result.outcome).toBe('stored');
    if (result.outcome !== 'stored') return;
    const object = (blobs as MemoryBlobStore).objects.get(result.object.objectKey) as Buffer;
    expect(result.object.objectKey).toMatch(/^default\/1\.2\.826\.0\.1\/1\.2\.826\.0\.1\.9\/1\.2\.826\.0\.1\.1\/[0-9a-f-]{36}\.dcm$/);
    expect(object.subarray(result.object.datasetOffset)).toEqual(data);
    const meta = readFileMeta(object, true);
    expect(meta?.meta).toMatchObject({ mediaStorageSOPInstanceUID: '1.2.826.0.1.1', transferSyntaxUID: TransferSyntaxUIDs.ExplicitVRLittleEndian, sourceApplicationEntityTitle: 'MODALITY' });
    expect(result.object.datasetSha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(catalog.events).toHaveLength(1);
    const event = parseEvent(InstanceStoredV1, JSON.parse(JSON.stringify(catalog.events[0]?.envelope)));
    expect(event.data.metadata['7FE00010']).toEqual({ vr: 'OW', BulkDataURI: expect.stringMatching(/^bulkdata\/\d+-4096$/) });
    expect(catalog.events[0]?.key).toBe('default/1.2.826.0.1');
    expect(notified()).toBe(1);
  });

  it('records where each frame of the Pixel Data lies, learnt while the data set streamed in', async () => {
    const { catalog, store } = setup();
    const frames: ElementSpec[] = [
      { tag: 0x00280002, vr: 'US', value: [1] },
      { tag: 0x00280004, value: 'MONOCHROME2' },
      { tag: 0x00280008, value: '4' },
      { tag: 0x00280011, vr: 'US', value: [32] },
      { tag: 0x00280100, vr: 'US', value: [16] },
    ];
    const data = encodeDataset(dataset({}, frames), EXPLICIT_VR_LITTLE_ENDIAN);
    const result = await store(data);
    if (result.outcome !== 'stored') throw new Error(result.outcome);
    const index = decodeFrameIndex(catalog.frameIndexes.get(result.object.objectKey) as Buffer);
    // 4 rows × 32 columns × 2 bytes, four frames in the 4096-byte value that ends the data set.
    expect(index).toMatchObject({ kind: 'native', frameLength: 256, valueOffset: data.length - 4096, image: { rows: 4, columns: 32, numberOfFrames: 4, photometricInterpretation: 'MONOCHROME2' } });
  });

  it('treats identical bytes sent again as a success that stores nothing, and different bytes as a conflict', async () => {
    const { blobs, catalog, store } = setup();
    const data = encodeDataset(dataset(), EXPLICIT_VR_LITTLE_ENDIAN);
    expect((await store(data)).outcome).toBe('stored');
    expect((await store(data)).outcome).toBe('duplicate');
    const changed = encodeDataset(dataset({}, [{ tag: 0x00081030, value: 'changed' }]), EXPLICIT_VR_LITTLE_ENDIAN);
    expect(await store(changed)).toMatchObject({ outcome: 'failed', reason: StoreFailure.Conflict });
    expect((blobs as MemoryBlobStore).objects.size).toBe(1);
    expect(catalog.events).toHaveLength(1);
  });

  it('refuses a data set whose UIDs differ from binding announced ones, keeping nothing of it', async () => {
    const { blobs, store } = setup();
    const data = encodeDataset(dataset(), EXPLICIT_VR_LITTLE_ENDIAN);
    expect(await store(data, { announced: { sopClassUID: CT, sopInstanceUID: '1.2.3', binding: true } })).toMatchObject({ outcome: 'failed', reason: StoreFailure.UidMismatch });
    expect(await store(data, { requiredStudyInstanceUID: '9.9.9' })).toMatchObject({ outcome: 'failed', reason: StoreFailure.UidMismatch });
    // A Part 10 header that names another instance does not bind the data set.
    expect(await store(data, { announced: { sopClassUID: CT, sopInstanceUID: '1.2.3', binding: false } })).toMatchObject({ outcome: 'stored' });
    expect((blobs as MemoryBlobStore).objects.size).toBe(1);
  });

  it('refuses missing and malformed identifiers and non-storage SOP classes', async () => {
    const { store } = setup();
    const noSeries = encodeDataset(dataset().filter((e) => e.tag !== 0x0020000e), EXPLICIT_VR_LITTLE_ENDIAN);
    expect(await store(noSeries)).toMatchObject({ outcome: 'failed', reason: StoreFailure.MissingAttribute });
    expect(await store(encodeDataset(dataset({ study: '1.02.3' }), EXPLICIT_VR_LITTLE_ENDIAN))).toMatchObject({ outcome: 'failed', reason: StoreFailure.InvalidUid });
    expect(await store(encodeDataset(dataset({ sopClass: '1.2.840.10008.1.1' }), EXPLICIT_VR_LITTLE_ENDIAN))).toMatchObject({ outcome: 'failed', reason: StoreFailure.SopClassNotSupported });
  });

  it('leaves nothing behind when the data set is truncated', async () => {
    const { blobs, catalog, store } = setup();
    const data = encodeDataset(dataset(), EXPLICIT_VR_LITTLE_ENDIAN);
    expect(await store(data.subarray(0, data.length - 100))).toMatchObject({ outcome: 'failed', reason: StoreFailure.InvalidDataset });
    expect((blobs as MemoryBlobStore).objects.size).toBe(0);
    expect(catalog.events).toHaveLength(0);
  });

  it('leaves nothing behind and reports the store unavailable when the object store fails', async () => {
    const failing = new MemoryBlobStore();
    failing.put = async (_key, body) => {
      for await (const chunk of body) void chunk;
      throw new Error('disk full');
    };
    const { catalog, store } = setup(failing);
    expect(await store(encodeDataset(dataset(), EXPLICIT_VR_LITTLE_ENDIAN))).toMatchObject({ outcome: 'failed', reason: StoreFailure.StorageUnavailable });
    expect(catalog.events).toHaveLength(0);
  });

  it('stores Implicit VR and deflated data sets as received and parses them for metadata', async () => {
    const { blobs, catalog, store } = setup();
    const implicit = encodeDataset(dataset({ sop: '1.2.826.0.1.2' }), IMPLICIT_VR_LITTLE_ENDIAN);
    expect((await store(implicit, { transferSyntaxUID: TransferSyntaxUIDs.ImplicitVRLittleEndian })).outcome).toBe('stored');
    const deflated = deflateRawSync(encodeDataset(dataset({ sop: '1.2.826.0.1.3' }), EXPLICIT_VR_LITTLE_ENDIAN));
    const result = await store(deflated, { transferSyntaxUID: TransferSyntaxUIDs.DeflatedExplicitVRLittleEndian });
    expect(result.outcome).toBe('stored');
    if (result.outcome === 'stored') expect(((blobs as MemoryBlobStore).objects.get(result.object.objectKey) as Buffer).subarray(result.object.datasetOffset)).toEqual(deflated);
    const names = catalog.events.map((e) => ((e.envelope.data as { metadata: Record<string, { Value?: unknown[] }> }).metadata['00100010']?.Value?.[0]));
    expect(names).toEqual([{ Alphabetic: 'Doe^Jane' }, { Alphabetic: 'Doe^Jane' }]);
  });

  it('refuses, and removes, an instance whose attributes would not fit in an event', async () => {
    const { blobs, catalog, store } = setup();
    const wordy = Array.from({ length: 40 }, (_, i) => ({ tag: 0x00091010 + i, vr: 'LT' as const, value: 'x'.repeat(4000) }));
    expect(await store(encodeDataset(dataset({}, wordy), EXPLICIT_VR_LITTLE_ENDIAN))).toMatchObject({ outcome: 'failed', reason: StoreFailure.HeaderTooLarge });
    expect((blobs as MemoryBlobStore).objects.size).toBe(0);
    expect(catalog.events).toHaveLength(0);
  });

  it('refuses a transfer syntax it cannot receive', async () => {
    const { store } = setup();
    expect(await store(Buffer.alloc(10), { transferSyntaxUID: '1.2.840.10008.1.2.6.2' })).toMatchObject({ outcome: 'failed', reason: StoreFailure.UnsupportedTransferSyntax });
  });
});
