import type { BlobStore } from '@tessera/blob-store';
import type { CatalogScope, ObjectCatalog, StoredObject } from '@tessera/catalog';
import { CodecError, openDecodedToNative } from '@tessera/codecs';
import { coercePatient, encodeFileMeta, EXPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, toExplicitLittleEndian, TransferSyntaxUIDs, type DicomJsonDataset } from '@tessera/dicom';
import type { InstanceIndex } from '@tessera/index-store';
import type { MediaRange } from '@tessera/multipart';
import { PassThrough, pipeline, Readable } from 'node:stream';
import { deliveryFor, wantedSyntaxes } from './transfer-syntax-negotiation';

/** One instance of a retrieve response, opened only when its turn comes. */
export interface RetrievedInstance {
  readonly transferSyntaxUID: string;
  open(): Promise<Readable>;
}

/**
 * An instance's pixel data could not be decoded for the transfer syntax the client asked for (found
 * when the instance was opened, before any of it was sent): 406, as when no decoder exists at all.
 */
export class NotDeliverableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotDeliverableError';
  }
}

export type RetrieveResult =
  | { readonly kind: 'instances'; readonly instances: readonly RetrievedInstance[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-acceptable'; readonly message: string };

/**
 * WADO-RS retrieval of a study, series or instance (PS3.18 10.4.1.1.1): Part 10 objects streamed from
 * the object store, as stored when the client accepts it and otherwise re-encoded as Explicit VR
 * Little Endian (the default, PS3.18 8.7.3.5.2): element by element when the stored syntax is native,
 * with the pixel data decoded frame by frame when it is compressed in a syntax Tessera decodes. Each carries its patient's current demographics
 * (after an ADT update or merge), coerced in its header on the way out; the stored object stays as it is.
 */
export class RetrieveInstancesUseCase {
  constructor(
    private readonly catalog: ObjectCatalog,
    private readonly blobs: BlobStore,
    private readonly index: Pick<InstanceIndex, 'currentPatients'>,
  ) {}

  async execute(tenant: string, scope: CatalogScope, accept: readonly MediaRange[]): Promise<RetrieveResult> {
    const candidates = wantedSyntaxes(accept);
    if (candidates.length === 0) return { kind: 'not-acceptable', message: 'Instances are available as multipart/related; type="application/dicom"' };
    const objects = await this.catalog.list(tenant, scope);
    if (objects.length === 0) return { kind: 'not-found' };
    // The first acceptable range, in the client's order of preference, that every instance can meet.
    for (const wanted of candidates) {
      const deliveries = objects.map((o) => deliveryFor(wanted, o.transferSyntaxUID));
      if (deliveries.includes('impossible')) continue;
      // An instance stored but not indexed yet has no current patient: it goes as stored.
      const patients = await this.index.currentPatients(tenant, [...new Set(objects.map((o) => o.studyInstanceUID))]);
      return {
        kind: 'instances',
        instances: objects.map((object, i) => {
          const patient = patients.get(object.studyInstanceUID);
          const delivery = deliveries[i];
          return delivery === 'as-stored'
            ? { transferSyntaxUID: object.transferSyntaxUID, open: () => this.asStored(object, patient) }
            : { transferSyntaxUID: TransferSyntaxUIDs.ExplicitVRLittleEndian, open: () => this.reencoded(object, patient, delivery === 'decode') };
        }),
      };
    }
    const stuck = objects.find((o) => candidates.every((w) => deliveryFor(w, o.transferSyntaxUID) === 'impossible')) as StoredObject;
    return {
      kind: 'not-acceptable',
      message: `Instance ${stuck.sopInstanceUID} is stored as ${stuck.transferSyntaxUID}, which cannot be delivered in any accepted transfer syntax (Tessera re-encodes only to Explicit VR Little Endian, and decodes only RLE, JPEG, JPEG-LS and JPEG 2000 pixel data); accept transfer-syntax=* to get it as stored`,
    };
  }

  // The file meta information as stored, then the data set with its header coerced.
  private async asStored(object: StoredObject, patient: DicomJsonDataset | undefined): Promise<Readable> {
    const ts = lookupTransferSyntax(object.transferSyntaxUID);
    if (!patient || !ts) return this.blobs.get(object.objectKey);
    const fileMeta = await this.blobs.get(object.objectKey, { start: 0, end: object.datasetOffset - 1 });
    const open = (): Promise<Readable> => this.blobs.get(object.objectKey, { start: object.datasetOffset });
    async function* part10(): AsyncGenerator<Buffer> {
      yield* fileMeta as AsyncIterable<Buffer>;
      yield* coercePatient(await open(), ts as NonNullable<typeof ts>, patient as DicomJsonDataset) as AsyncIterable<Buffer>;
    }
    return Readable.from(part10(), { objectMode: false });
  }

  // A new file meta information, then the data set re-encoded in Explicit VR Little Endian with its
  // header coerced. A decoded one is read up to its first frame here, so that pixel data Tessera cannot
  // decode fails before this part of the response begins.
  private async reencoded(object: StoredObject, patient: DicomJsonDataset | undefined, decode: boolean): Promise<Readable> {
    const source = lookupTransferSyntax(object.transferSyntaxUID);
    if (!source) throw new Error(`Unknown stored transfer syntax ${object.transferSyntaxUID}`);
    const stored = await this.blobs.get(object.objectKey, { start: object.datasetOffset });
    let dataSet: Readable;
    if (decode) {
      try {
        dataSet = await openDecodedToNative(stored, source, 'explicit-little-endian');
      } catch (err) {
        stored.destroy();
        if (!(err instanceof CodecError)) throw err;
        throw new NotDeliverableError(`Instance ${object.sopInstanceUID} is stored as ${source.name} (${source.uid}), and its pixel data cannot be decoded to Explicit VR Little Endian: ${err.message}; accept transfer-syntax=* to get it as stored`);
      }
    } else {
      dataSet = pipeline(stored, toExplicitLittleEndian(source), () => undefined);
    }
    const encoded = patient ? coercePatient(dataSet, EXPLICIT_VR_LITTLE_ENDIAN, patient) : dataSet;
    const out = new PassThrough();
    out.write(encodeFileMeta({ mediaStorageSOPClassUID: object.sopClassUID, mediaStorageSOPInstanceUID: object.sopInstanceUID, transferSyntaxUID: TransferSyntaxUIDs.ExplicitVRLittleEndian }));
    // Each stage owns the one before: a client gone (out destroyed) lets go of the object store response.
    return pipeline(encoded, out, () => undefined);
  }
}
