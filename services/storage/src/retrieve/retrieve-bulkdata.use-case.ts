import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog } from '@tessera/catalog';
import { lookupTransferSyntax } from '@tessera/dicom';
import type { Readable } from 'node:stream';
import { openDataSetRange } from './stored-bytes';

/** A value found: its length, and a reader of all of it or of `length` bytes from `start` within it. */
export type BulkDataResult = { readonly kind: 'bulk'; readonly length: number; open(start?: number, length?: number): Promise<Readable> } | { readonly kind: 'not-found'; readonly message: string };

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
    return { kind: 'bulk', length, open: (start = 0, part = length) => openDataSetRange(this.blobs, object, offset + start, part) };
  }
}

