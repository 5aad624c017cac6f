import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog } from '@tessera/catalog';
import { lookupTransferSyntax } from '@tessera/dicom';
import { Transform, type Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

export type BulkDataResult = { readonly kind: 'bulk'; readonly length: number; open(): Promise<Readable> } | { readonly kind: 'not-found'; readonly message: string };

/**
 * Serves a value that the metadata left out (a BulkDataURI "bulkdata/{offset}-{length}", PS3.18
 * 10.4.1.1.4): a byte range of the stored data set, read from the object store without reading the
 * rest. A deflated data set is inflated up to the range, since its offsets count inflated bytes.
 */
export class RetrieveBulkDataUseCase {
  constructor(
    private readonly catalog: ObjectCatalog,
    private readonly blobs: BlobStore,
  ) {}

  async execute(tenant: string, ids: { study: string; series: string; instance: string }, offset: number, length: number): Promise<BulkDataResult> {
    const [object] = await this.catalog.list(tenant, ids);
    if (!object) return { kind: 'not-found', message: 'No such instance' };
    const deflated = lookupTransferSyntax(object.transferSyntaxUID)?.deflated ?? false;
    if (!deflated && object.datasetOffset + offset + length > object.sizeBytes) return { kind: 'not-found', message: 'No bulk data at that range of this instance' };
    if (!deflated) {
      return { kind: 'bulk', length, open: () => this.blobs.get(object.objectKey, { start: object.datasetOffset + offset, end: object.datasetOffset + offset + length - 1 }) };
    }
    return {
      kind: 'bulk',
      length,
      open: async () => {
        const compressed = await this.blobs.get(object.objectKey, { start: object.datasetOffset });
        return compressed.pipe(createInflateRaw()).pipe(byteRange(offset, length));
      },
    };
  }
}

function byteRange(offset: number, length: number): Transform {
  let position = 0;
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      const start = Math.max(0, offset - position);
      const end = Math.min(chunk.length, offset + length - position);
      position += chunk.length;
      if (end > start) this.push(chunk.subarray(start, end));
      if (position >= offset + length) this.push(null);
      done();
    },
  });
}
