import { MemoryBlobStore, type ByteRange } from '@tessera/blob-store';
import { MemoryObjectCatalog, type StoredObject } from '@tessera/catalog';
import { buildFrameIndex, decodeFrameIndex, encodeFrameIndex } from '@tessera/codecs';
import { encodeDataset, EXPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, TransferSyntaxUIDs, type TransferSyntax } from '@tessera/dicom';
import type { Readable } from 'node:stream';
import { deflateRawSync } from 'node:zlib';
import { StoredFrameSource } from './stored-frame-source';

const IDS = { study: '1.2.3', series: '1.2.3.4', instance: '1.2.3.4.5' };
const HEADER = Buffer.alloc(200, 0x20);

// Three 2×4 frames of 16-bit samples, each sample holding its frame number in its high byte.
const FRAMES = [1, 2, 3].map((n) => Buffer.from(Array.from({ length: 16 }, (_, i) => (i % 2 === 1 ? n : i))));
const DATA_SET = encodeDataset(
  [
    { tag: 0x00080016, value: '1.2.840.10008.5.1.4.1.1.7.2' },
    { tag: 0x00080018, value: IDS.instance },
    { tag: 0x00280002, vr: 'US', value: [1] },
    { tag: 0x00280004, value: 'MONOCHROME2' },
    { tag: 0x00280008, value: '3' },
    { tag: 0x00280010, vr: 'US', value: [2] },
    { tag: 0x00280011, vr: 'US', value: [4] },
    { tag: 0x00280100, vr: 'US', value: [16] },
    { tag: 0x00280101, vr: 'US', value: [12] },
    { tag: 0x7fe00010, vr: 'OW', value: Buffer.concat(FRAMES) },
  ],
  EXPLICIT_VR_LITTLE_ENDIAN,
);

/** The memory store, noting every range read. */
class WatchedBlobStore extends MemoryBlobStore {
  readonly reads: (ByteRange | undefined)[] = [];
  override async get(key: string, range?: ByteRange): Promise<Readable> {
    this.reads.push(range);
    return super.get(key, range);
  }
}

async function setup(options: { indexed: boolean; deflated?: boolean }) {
  const blobs = new WatchedBlobStore();
  const catalog = new MemoryObjectCatalog();
  const transferSyntaxUID = options.deflated ? TransferSyntaxUIDs.DeflatedExplicitVRLittleEndian : TransferSyntaxUIDs.ExplicitVRLittleEndian;
  const body = options.deflated ? deflateRawSync(DATA_SET) : DATA_SET;
  const object: StoredObject = {
    tenant: 'default',
    sopInstanceUID: IDS.instance,
    studyInstanceUID: IDS.study,
    seriesInstanceUID: IDS.series,
    sopClassUID: '1.2.840.10008.5.1.4.1.1.7.2',
    transferSyntaxUID,
    objectKey: `default/${IDS.study}/${IDS.series}/${IDS.instance}/x.dcm`,
    sizeBytes: HEADER.length + body.length,
    datasetOffset: HEADER.length,
    datasetSha256: 'a'.repeat(64),
    storedAt: new Date(),
  };
  blobs.objects.set(object.objectKey, Buffer.concat([HEADER, body]));
  const index = options.indexed ? encodeFrameIndex(await buildFrameIndex([DATA_SET], lookupTransferSyntax(transferSyntaxUID) as TransferSyntax)) : undefined;
  await catalog.record(object, [], index);
  return { blobs, catalog, object, source: new StoredFrameSource(catalog, blobs) };
}

describe('StoredFrameSource', () => {
  it('reads one frame with one byte-range read of exactly its bytes', async () => {
    const { blobs, source, object } = await setup({ indexed: true });
    const frame = await source.frame('default', IDS, 2);
    expect(frame).toEqual({
      transferSyntaxUID: TransferSyntaxUIDs.ExplicitVRLittleEndian,
      image: { rows: 2, columns: 4, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', numberOfFrames: 3 },
      data: FRAMES[1],
    });
    const valueStart = object.datasetOffset + DATA_SET.length - 48;
    expect(blobs.reads).toEqual([{ start: valueStart + 16, end: valueStart + 31 }]);
  });

  it('has no frame 0, none beyond Number of Frames, and none of an unknown instance or tenant', async () => {
    const { source } = await setup({ indexed: true });
    expect(await source.frame('default', IDS, 0)).toBeUndefined();
    expect(await source.frame('default', IDS, 4)).toBeUndefined();
    expect(await source.frame('default', { ...IDS, instance: '1.2.3.4.6' }, 1)).toBeUndefined();
    expect(await source.frame('other', IDS, 1)).toBeUndefined();
    expect((await source.frame('default', IDS, 3))?.data).toEqual(FRAMES[2]);
  });

  it('builds and saves the index of an instance stored without one, once', async () => {
    const { blobs, catalog, source, object } = await setup({ indexed: false });
    const [a, b] = await Promise.all([source.frame('default', IDS, 1), source.frame('default', IDS, 3)]);
    expect([a?.data, b?.data]).toEqual([FRAMES[0], FRAMES[2]]);
    expect(decodeFrameIndex((await catalog.frameIndex(object)) as Buffer)).toMatchObject({ kind: 'native', frameLength: 16 });
    // One whole read to build the index, then one ranged read per frame.
    expect(blobs.reads.filter((r) => r?.end === undefined)).toHaveLength(1);
    expect(blobs.reads).toHaveLength(3);
  });

  it('inflates a deflated data set up to the frame', async () => {
    const { source } = await setup({ indexed: true, deflated: true });
    expect((await source.frame('default', IDS, 2))?.data).toEqual(FRAMES[1]);
  });
});
