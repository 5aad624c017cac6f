import { MemoryBlobStore } from '@tessera/blob-store';
import type { ObjectCatalog, StoredObject } from '@tessera/catalog';
import { encodeDataset, encodeFileMeta, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, readFileMeta, type DicomJsonDataset, type ElementSpec } from '@tessera/dicom';
import { parseAccept } from '@tessera/multipart';
import { expectEventually, readNativeDataSet, rleDataSet, rleFrame } from '@tessera/testing';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { NotDeliverableError, RetrieveInstancesUseCase, type RetrieveResult } from './retrieve-instances.use-case';

const RLE = '1.2.840.10008.1.2.5';
const HTJ2K = '1.2.840.10008.1.2.4.201';
const EXPLICIT = '1.2.840.10008.1.2.1';
const STUDY = '1.2.3';
const SOP_CLASS = '1.2.840.10008.5.1.4.1.1.7';

// A 2 x 2 monochrome 8-bit image of two frames, one RLE segment each (PS3.5 G).
const frames = [Buffer.from([1, 2, 3, 4]), Buffer.from([5, 6, 7, 8])];
const attributes = (rows: number): ElementSpec[] => [
  { tag: 0x00080016, value: SOP_CLASS },
  { tag: 0x00100010, value: 'Stored^Name' },
  { tag: 0x00280002, value: [1] },
  { tag: 0x00280004, value: 'MONOCHROME2' },
  { tag: 0x00280008, value: '2' },
  { tag: 0x00280010, value: [rows] },
  { tag: 0x00280011, value: [2] },
  { tag: 0x00280100, value: [8] },
  { tag: 0x00280101, value: [8] },
  { tag: 0x00280102, value: [7] },
  { tag: 0x00280103, value: [0] },
];

async function storedAs(blobs: MemoryBlobStore, sop: string, transferSyntaxUID: string, dataSet: Buffer): Promise<StoredObject> {
  const meta = encodeFileMeta({ mediaStorageSOPClassUID: SOP_CLASS, mediaStorageSOPInstanceUID: sop, transferSyntaxUID });
  const objectKey = `t/${sop}`;
  await blobs.put(objectKey, Readable.from([Buffer.concat([meta, dataSet])]));
  return { tenant: 't', sopInstanceUID: sop, studyInstanceUID: STUDY, seriesInstanceUID: '1.2.3.4', sopClassUID: SOP_CLASS, transferSyntaxUID, objectKey, sizeBytes: meta.length + dataSet.length, datasetOffset: meta.length, datasetSha256: '', storedAt: new Date() };
}

function useCase(blobs: MemoryBlobStore, objects: StoredObject[], patientName?: string): RetrieveInstancesUseCase {
  const catalog = { list: async () => objects } as unknown as ObjectCatalog;
  const patients = new Map<string, DicomJsonDataset>(patientName ? [[STUDY, { '00100010': { vr: 'PN', Value: [{ Alphabetic: patientName }] } }]] : []);
  return new RetrieveInstancesUseCase(catalog, blobs, { currentPatients: async () => patients });
}

/** The transfer syntax of a Part 10 object, its Pixel Data, and its other attributes as DICOM JSON. */
function read(part10: Buffer): { transferSyntax: string; pixels: Buffer; json: Record<string, { Value?: unknown[] }> } {
  const { meta, datasetOffset } = readFileMeta(part10, true) as NonNullable<ReturnType<typeof readFileMeta>>;
  const { pixels, json } = readNativeDataSet(part10.subarray(datasetOffset));
  return { transferSyntax: meta.transferSyntaxUID, pixels, json };
}

function instancesOf(result: RetrieveResult) {
  if (result.kind !== 'instances') throw new Error(`expected instances, got ${JSON.stringify(result)}`);
  return result.instances;
}

describe('RetrieveInstancesUseCase with compressed instances (PS3.18 8.7.3.5.2)', () => {
  it('decodes RLE pixel data to Explicit VR Little Endian when the client asks for the default syntax, with the current patient', async () => {
    const blobs = new MemoryBlobStore();
    const rle = await storedAs(blobs, '1.2.3.4.5', RLE, rleDataSet(attributes(2), frames.map((f) => rleFrame([f]))));
    const [instance] = instancesOf(await useCase(blobs, [rle], 'Current^Name').execute('t', { study: STUDY }, parseAccept('multipart/related; type="application/dicom"')));
    expect(instance?.transferSyntaxUID).toBe(EXPLICIT);
    const got = read(await buffer(await (instance as NonNullable<typeof instance>).open()));
    expect(got.transferSyntax).toBe(EXPLICIT);
    expect(got.pixels).toEqual(Buffer.concat(frames));
    expect(got.json['00100010']?.Value).toEqual([{ Alphabetic: 'Current^Name' }]);
    // As stored when the client takes any syntax: the stored object byte for byte.
    const [asStored] = instancesOf(await useCase(blobs, [rle]).execute('t', { study: STUDY }, parseAccept('multipart/related; type="application/dicom"; transfer-syntax=*')));
    expect(asStored?.transferSyntaxUID).toBe(RLE);
    expect(await buffer(await (asStored as NonNullable<typeof asStored>).open())).toEqual(blobs.objects.get(rle.objectKey));
  });

  it('refuses, when opening the instance, pixel data its decoder cannot take, before any of it is sent', async () => {
    const blobs = new MemoryBlobStore();
    // Rows 3 with 2 x 2 frames: the first frame decodes to too few bytes.
    const bad = await storedAs(blobs, '1.2.3.4.6', RLE, rleDataSet(attributes(3), frames.map((f) => rleFrame([f]))));
    const [instance] = instancesOf(await useCase(blobs, [bad]).execute('t', { study: STUDY }, parseAccept(undefined)));
    const opening = (instance as NonNullable<typeof instance>).open();
    await expect(opening).rejects.toBeInstanceOf(NotDeliverableError);
    await expect(opening).rejects.toThrow(/1\.2\.3\.4\.6 is stored as RLE Lossless .* cannot be decoded to Explicit VR Little Endian: .*transfer-syntax=\*/);
  });

  it('answers not acceptable for a compressed syntax Tessera has no decoder for, naming the instance', async () => {
    const blobs = new MemoryBlobStore();
    const htj2k = await storedAs(blobs, '1.2.3.4.7', HTJ2K, rleDataSet(attributes(2), frames));
    const result = await useCase(blobs, [htj2k]).execute('t', { study: STUDY }, parseAccept(undefined));
    expect(result).toMatchObject({ kind: 'not-acceptable', message: expect.stringContaining(`Instance 1.2.3.4.7 is stored as ${HTJ2K}`) });
  });

  it.each([
    ['as stored, with the current patient', 'multipart/related; type="application/dicom"; transfer-syntax=*', EXPLICIT],
    ['re-encoded from a native syntax', undefined, '1.2.840.10008.1.2'],
    ['decoded', undefined, RLE],
  ] as const)('lets go of the object store response when the client goes away mid-instance: %s', async (_name, accept, syntax) => {
    const blobs = new MemoryBlobStore();
    // 64 frames of 256 x 256, so that the instance is far from read when the client goes away.
    const frame = (i: number) => Buffer.alloc(256 * 256, i);
    const image = attributes(256).map((e) => (e.tag === 0x00280008 ? { ...e, value: '64' } : e.tag === 0x00280011 ? { ...e, value: [256] } : e));
    const dataSet =
      syntax === RLE
        ? rleDataSet(image, Array.from({ length: 64 }, (_, i) => rleFrame([frame(i)])))
        : encodeDataset([...image, { tag: 0x7fe00010, vr: 'OB', value: Buffer.concat(Array.from({ length: 64 }, (_, i) => frame(i))) }], syntax === EXPLICIT ? EXPLICIT_VR_LITTLE_ENDIAN : IMPLICIT_VR_LITTLE_ENDIAN);
    const object = await storedAs(blobs, '1.2.3.4.8', syntax, dataSet);
    // The store answers like a network one: a chunk at a time, so that a response is open for a while.
    const opened: Readable[] = [];
    const get = blobs.get.bind(blobs);
    blobs.get = async (key, range) => {
      const whole = await buffer(await get(key, range));
      const stream = Readable.from(
        (async function* () {
          for (let at = 0; at < whole.length; at += 4096) {
            await new Promise((resolve) => setImmediate(resolve));
            yield whole.subarray(at, at + 4096);
          }
        })(),
        { objectMode: false, highWaterMark: 4096 },
      );
      opened.push(stream);
      return stream;
    };
    const [instance] = instancesOf(await useCase(blobs, [object], 'Current^Name').execute('t', { study: STUDY }, parseAccept(accept)));
    let received = 0;
    // Leaving the loop destroys the body, as a client going away does.
    for await (const chunk of await (instance as NonNullable<typeof instance>).open()) if ((received += (chunk as Buffer).length) > 256 * 1024) break;
    expect(opened.length).toBeGreaterThan(0);
    // Destruction travels up the chain a stage at a time, each once its pending read settles.
    await expectEventually(async () => expect(opened.map((s) => s.destroyed)).toEqual(opened.map(() => true)), { timeoutMs: 3000, intervalMs: 10 });
    // Not by reaching their end.
    expect(opened.some((s) => !s.readableEnded)).toBe(true);
  });
});
