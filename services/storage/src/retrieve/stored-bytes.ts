import type { BlobStore } from '@tessera/blob-store';
import type { StoredObject } from '@tessera/catalog';
import { lookupTransferSyntax } from '@tessera/dicom';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

/**
 * Streams `length` bytes (or all) at `offset` of a stored data set, reading from the object store only
 * that range. A deflated data set (PS3.5 A.5) counts offsets in inflated bytes, so it is inflated from its
 * start up to the end of the range, and no further.
 */
export async function openDataSetRange(blobs: BlobStore, object: StoredObject, offset: number, length?: number): Promise<Readable> {
  const deflated = lookupTransferSyntax(object.transferSyntaxUID)?.deflated ?? false;
  if (length === 0) return Readable.from([]);
  const start = object.datasetOffset + offset;
  if (!deflated) return blobs.get(object.objectKey, length === undefined ? { start } : { start, end: start + length - 1 });
  const compressed = await blobs.get(object.objectKey, { start: object.datasetOffset });
  return Readable.from(inflatedRange(compressed, offset, length ?? Infinity));
}

async function* inflatedRange(compressed: Readable, offset: number, length: number): AsyncGenerator<Buffer> {
  const inflated = compressed.pipe(createInflateRaw());
  let position = 0;
  try {
    for await (const chunk of inflated as AsyncIterable<Buffer>) {
      const start = Math.max(0, offset - position);
      const end = Math.min(chunk.length, offset + length - position);
      position += chunk.length;
      if (end > start) yield chunk.subarray(start, end);
      if (position >= offset + length) return;
    }
  } finally {
    // Leaving early stops the inflater; the object store's stream must stop too.
    compressed.destroy();
  }
}
