import { Client } from 'minio';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { BlobNotFoundError, BlobsNotDeletedError, assertValidKey, type BlobStat, type BlobStore, type ByteRange } from './blob-store.port';
import { S3ObjectReader, S3RequestError, type S3Endpoint } from './s3-object-reader';
import { settleInParallel } from './settle-in-parallel';

// The most keys one DeleteObjects request may carry (S3 API Reference, DeleteObjects).
const MAX_DELETE_BATCH = 1000;
// DeleteObjects requests in flight at once in deleteMany.
const DELETE_REQUESTS_IN_PARALLEL = 3;

/** How to reach the bucket. */
export interface S3BlobStoreOptions extends S3Endpoint {
  readonly bucket: string;
  /** Multipart part size; one upload holds at most two parts in memory (default 8 MiB; S3 minimum 5 MiB). */
  readonly partSizeBytes?: number;
  /** Keys per DeleteObjects request in deleteMany (default and maximum 1000). */
  readonly deleteBatchSize?: number;
}

/**
 * Objects in an S3 bucket (any S3-compatible server). Objects of unknown length go up as multipart
 * uploads one part at a time, so memory stays bounded; S3 makes an object visible only when its upload
 * completes, and a failed upload is aborted rather than completed. Reads (GET, HEAD), the path of
 * every retrieve, go through S3ObjectReader's own keep-alive connections, at about half the CPU a
 * byte of the client's; writes, deletes and listings through the minio client.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: Client;
  private readonly reader: S3ObjectReader;
  private readonly partSize: number;
  private readonly deleteBatchSize: number;

  constructor(private readonly options: S3BlobStoreOptions) {
    this.client = new Client({
      endPoint: options.endPoint,
      port: options.port,
      useSSL: options.useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region,
    });
    // Requests are signed with UNSIGNED-PAYLOAD, as the client does over TLS anyway: otherwise every
    // object is hashed once more to sign it and once more by the server to check it. Tessera keeps
    // its own SHA-256 of every data set, which storage commitment verifies against what is stored.
    this.client.enableSHA256 = false;
    this.reader = new S3ObjectReader(options);
    this.partSize = options.partSizeBytes ?? 8 * 1024 * 1024;
    this.deleteBatchSize = options.deleteBatchSize ?? MAX_DELETE_BATCH;
    if (!Number.isInteger(this.deleteBatchSize) || this.deleteBatchSize < 1 || this.deleteBatchSize > MAX_DELETE_BATCH) {
      throw new RangeError(`deleteBatchSize must be an integer from 1 to ${MAX_DELETE_BATCH}, not ${this.deleteBatchSize}`);
    }
  }

  async init(): Promise<void> {
    if (!(await this.client.bucketExists(this.options.bucket))) {
      await this.client.makeBucket(this.options.bucket, this.options.region).catch(async (err: { code?: string }) => {
        // Another replica may have created it meanwhile.
        if (err.code !== 'BucketAlreadyOwnedByYou' && !(await this.client.bucketExists(this.options.bucket))) throw err;
      });
    }
  }

  async put(key: string, body: Readable, options?: { readonly contentType?: string }): Promise<BlobStat> {
    assertValidKey(key);
    const { bucket } = this.options;
    const headers = { 'Content-Type': options?.contentType ?? 'application/octet-stream' };
    const parts = partsOf(body, this.partSize);
    const first = await parts.next();
    const firstPart = first.done ? Buffer.alloc(0) : first.value;
    const second = first.done ? first : await parts.next();
    if (second.done) {
      // Most objects fit in one part: one PUT, atomic on the server. (putObject would MD5 the part.)
      const res = await this.client.makeRequestStreamAsync({ method: 'PUT', bucketName: bucket, objectName: key, headers: { ...headers, 'Content-Length': firstPart.length } }, firstPart, '', [200], this.options.region);
      res.resume();
      await finished(res);
      return { sizeBytes: firstPart.length };
    }
    // Larger ones: a multipart upload, one part in flight while the next is read (memory <= 2 parts).
    const uploadId = await this.client.initiateNewMultipartUpload(bucket, key, headers);
    const etags: { part: number; etag: string }[] = [];
    let size = 0;
    const upload = async (part: number, payload: Buffer): Promise<void> => {
      const { etag } = await this.client.uploadPart({ bucketName: bucket, objectName: key, uploadID: uploadId, partNumber: part, headers: { 'Content-Length': payload.length } }, payload);
      etags.push({ part, etag });
    };
    let inFlight: Promise<void> = Promise.resolve();
    try {
      inFlight = upload(1, firstPart);
      size = firstPart.length;
      let partNumber = 2;
      for (let next: IteratorResult<Buffer> = second; !next.done; next = await parts.next()) {
        await inFlight;
        inFlight = upload(partNumber++, next.value);
        size += next.value.length;
      }
      await inFlight;
      etags.sort((a, b) => a.part - b.part);
      await this.client.completeMultipartUpload(bucket, key, uploadId, etags);
    } catch (err) {
      // An upload that is not completed is never visible; aborting frees its parts on the server.
      await inFlight.catch(() => undefined);
      await this.client.abortMultipartUpload(bucket, key, uploadId).catch(() => undefined);
      throw err;
    }
    return { sizeBytes: size };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    try {
      return await this.reader.get(this.options.bucket, key, range);
    } catch (err) {
      throw err instanceof S3RequestError && err.code === 'NoSuchKey' ? new BlobNotFoundError(key) : err;
    }
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    assertValidKey(key);
    return this.reader.head(this.options.bucket, key);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.removeObject(this.options.bucket, key);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertValidKey(key);
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += this.deleteBatchSize) batches.push(keys.slice(i, i + this.deleteBatchSize));
    const failures: { key: string; reason: string }[] = [];
    // One removeObjects call per batch: given more, the client sends all its batches at once.
    const failed = await settleInParallel(batches, DELETE_REQUESTS_IN_PARALLEL, async (batch) => {
      // DeleteObjects answers 200 even when some keys could not be deleted; the client returns their
      // <Error> elements (a quiet request lists only those; a missing key counts as deleted).
      const errors = (await this.client.removeObjects(this.options.bucket, batch)) as unknown as readonly DeleteError[];
      for (const error of errors) failures.push({ key: String(error.Key), reason: reasonOf(error) });
    });
    for (const { item, error } of failed) for (const key of item) failures.push({ key, reason: reasonOf(error) });
    if (failures.length > 0) throw new BlobsNotDeletedError(failures);
  }

  async *list(prefix: string): AsyncIterable<string> {
    const stream = this.client.listObjectsV2(this.options.bucket, prefix, true);
    for await (const item of stream as AsyncIterable<{ name?: string }>) if (item.name) yield item.name;
  }
}

// Cuts a stream into buffers of exactly `size` bytes (the last one shorter); errors of the stream throw.
async function* partsOf(body: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for await (const chunk of body) {
    let data = chunk as Buffer;
    while (pendingLength + data.length >= size) {
      const take = size - pendingLength;
      pending.push(data.subarray(0, take));
      yield Buffer.concat(pending, size);
      data = data.subarray(take);
      pending = [];
      pendingLength = 0;
    }
    if (data.length > 0) {
      pending.push(data);
      pendingLength += data.length;
    }
  }
  if (pendingLength > 0) yield Buffer.concat(pending, pendingLength);
}

// What the minio client (8.x) returns per key that DeleteObjects did not delete: the <Error> element
// itself, not the { Error } its type declares. Key is a number when it looks like one (XML parsing).
interface DeleteError {
  readonly Key?: string | number;
  readonly Code?: string;
  readonly Message?: string;
}

// An Error, or an S3 <Error> element as the client passes it on (a plain object).
function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  const { Code, Message } = (err ?? {}) as DeleteError;
  return [Code, Message].filter(Boolean).join(': ') || String(err);
}
