import { Readable } from 'node:stream';
import { BlobNotFoundError, assertValidKey, type BlobStat, type BlobStore, type ByteRange } from './blob-store.port';

/** The in-memory twin of the object store, for unit tests. */
export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, Buffer>();

  async init(): Promise<void> {}

  async put(key: string, body: Readable): Promise<BlobStat> {
    assertValidKey(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks);
    this.objects.set(key, data);
    return { sizeBytes: data.length };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    const data = this.objects.get(key);
    if (!data) throw new BlobNotFoundError(key);
    return Readable.from([range ? data.subarray(range.start, range.end === undefined ? undefined : range.end + 1) : data]);
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    assertValidKey(key);
    const data = this.objects.get(key);
    return data ? { sizeBytes: data.length } : undefined;
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    this.objects.delete(key);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertValidKey(key);
    for (const key of keys) this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<string> {
    for (const key of this.objects.keys()) if (key.startsWith(prefix)) yield key;
  }
}
