import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog, StoredObject } from '@tessera/catalog';
import { buildFrameIndex, decodeFrameIndex, encodeFrameIndex, frameByteRange, frameFromRange, type FrameIndex, type ImagePixel } from '@tessera/codecs';
import { lookupTransferSyntax, type TransferSyntax } from '@tessera/dicom';
import { buffer } from 'node:stream/consumers';
import { openDataSetRange } from './stored-bytes';

/** One frame as stored. */
export interface SourceFrame {
  readonly transferSyntaxUID: string;
  readonly image: ImagePixel;
  /** The frame as stored: native pixel bytes of that one frame (stored byte order), or the frame's whole code stream (its fragments' bytes concatenated). */
  readonly data: Buffer;
}

/** Where frames of stored instances come from. */
export interface FrameSource {
  /** frameNumber from 1; undefined when the instance or the frame does not exist. */
  frame(tenant: string, ids: { readonly study: string; readonly series: string; readonly instance: string }, frameNumber: number): Promise<SourceFrame | undefined>;
}

/** A stored instance and where its frames lie. */
export interface LocatedFrames {
  readonly object: StoredObject;
  readonly index: FrameIndex;
}

// Indexes are immutable for an object key (every upload gets a new key), so they can be kept; a
// whole-slide image's is up to a megabyte, so the cache is bounded by bytes.
const CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Frames of stored instances, each read with one byte-range read of the object store through the
 * frame index kept at ingest. An instance stored before indexes were kept gets its index built by
 * one streaming pass on first use, and saved.
 */
export class StoredFrameSource implements FrameSource {
  private readonly cache = new Map<string, { index: FrameIndex; bytes: number }>();
  private cachedBytes = 0;
  private readonly building = new Map<string, Promise<FrameIndex>>();

  constructor(
    private readonly catalog: ObjectCatalog,
    private readonly blobs: BlobStore,
  ) {}

  async frame(tenant: string, ids: { readonly study: string; readonly series: string; readonly instance: string }, frameNumber: number): Promise<SourceFrame | undefined> {
    const located = await this.locate(tenant, ids);
    return located ? this.read(located, frameNumber) : undefined;
  }

  /** The instance and its frame index, or undefined when the instance does not exist. */
  async locate(tenant: string, ids: { readonly study: string; readonly series: string; readonly instance: string }): Promise<LocatedFrames | undefined> {
    const [object] = await this.catalog.list(tenant, ids);
    if (!object) return undefined;
    return { object, index: await this.indexOf(object) };
  }

  /** Frame n (from 1) of a located instance, or undefined when it has no such frame. */
  async read(located: LocatedFrames, frameNumber: number): Promise<SourceFrame | undefined> {
    const { object, index } = located;
    const range = frameByteRange(index, frameNumber);
    if (!range || index.kind === 'none') return undefined;
    const bytes = await buffer(await openDataSetRange(this.blobs, object, range.start, range.end - range.start));
    return { transferSyntaxUID: object.transferSyntaxUID, image: index.image, data: frameFromRange(index, bytes) };
  }

  private async indexOf(object: StoredObject): Promise<FrameIndex> {
    const cached = this.cache.get(object.objectKey);
    if (cached) {
      // Most recently used last.
      this.cache.delete(object.objectKey);
      this.cache.set(object.objectKey, cached);
      return cached.index;
    }
    const stored = await this.catalog.frameIndex(object);
    let index: FrameIndex;
    let bytes: number;
    if (stored) {
      index = decodeFrameIndex(stored);
      bytes = stored.length;
    } else {
      let building = this.building.get(object.objectKey);
      if (!building) {
        building = this.build(object).finally(() => this.building.delete(object.objectKey));
        this.building.set(object.objectKey, building);
      }
      index = await building;
      bytes = index.kind === 'encapsulated' ? index.boundaries.byteLength : 64;
    }
    this.remember(object.objectKey, index, bytes);
    return index;
  }

  private async build(object: StoredObject): Promise<FrameIndex> {
    const ts = lookupTransferSyntax(object.transferSyntaxUID) as TransferSyntax;
    const index = await buildFrameIndex((await openDataSetRange(this.blobs, object, 0)) as AsyncIterable<Buffer>, ts);
    await this.catalog.saveFrameIndex(object, encodeFrameIndex(index));
    return index;
  }

  private remember(key: string, index: FrameIndex, bytes: number): void {
    this.cachedBytes -= this.cache.get(key)?.bytes ?? 0;
    this.cache.set(key, { index, bytes });
    this.cachedBytes += bytes;
    for (const [oldest, entry] of this.cache) {
      if (this.cachedBytes <= CACHE_BYTES) break;
      this.cache.delete(oldest);
      this.cachedBytes -= entry.bytes;
    }
  }
}
