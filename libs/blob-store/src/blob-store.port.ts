import type { Readable } from 'node:stream';

/** An inclusive byte range, as in HTTP Range (RFC 9110 14.1.2). */
export interface ByteRange {
  readonly start: number;
  /** Inclusive; omitted means "to the end". */
  readonly end?: number;
}

/** What the store knows of an object. */
export interface BlobStat {
  readonly sizeBytes: number;
}

/** An object that does not exist (or no longer does). */
export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No object at ${key}`);
    this.name = 'BlobNotFoundError';
  }
}

/** A key that could escape the store or is not made of safe characters. */
export class InvalidBlobKeyError extends Error {
  constructor(readonly key: string) {
    super(`Invalid object key ${JSON.stringify(key)}`);
    this.name = 'InvalidBlobKeyError';
  }
}

/** Objects that deleteMany could not delete, each with the reason the store gave. */
export class BlobsNotDeletedError extends Error {
  constructor(readonly failures: readonly { readonly key: string; readonly reason: string }[]) {
    // A purge of a large study may fail whole: name a few keys, keep them all in `failures`.
    const named = failures.slice(0, 5).map((f) => `${f.key} (${f.reason})`);
    super(`Could not delete ${failures.length} object(s): ${named.join(', ')}${failures.length > named.length ? `, and ${failures.length - named.length} more` : ''}`);
    this.name = 'BlobsNotDeletedError';
  }
}

/**
 * The object store port (ARCHITECTURE §2): a local directory in all-in-one mode, S3 otherwise.
 * `put` resolves only once the object is durable, and an object is visible only when complete:
 * a body that fails mid-way leaves nothing behind.
 */
export interface BlobStore {
  /** Makes the store usable (creates its directory or bucket if missing). */
  init(): Promise<void>;
  /** Streams `body` into a new object at `key`; resolves with its size once it is durable. */
  put(key: string, body: Readable, options?: { readonly contentType?: string }): Promise<BlobStat>;
  /** Streams an object, or a byte range of it; rejects with BlobNotFoundError. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  stat(key: string): Promise<BlobStat | undefined>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Deletes objects in batches; missing ones are not an error. Every key is checked before any is
   * deleted (InvalidBlobKeyError); resolves once all are gone, else rejects with BlobsNotDeletedError.
   */
  deleteMany(keys: readonly string[]): Promise<void>;
  /** Every key that starts with `prefix`, in no particular order. */
  list(prefix: string): AsyncIterable<string>;
}

// Keys are built from validated UIDs and tenant ids; this rejects anything else before it reaches a path.
const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Throws InvalidBlobKeyError unless the key is a relative path of safe segments without "..". */
export function assertValidKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split('/').some((s) => s === '..' || s === '.') || key.length > 1024) throw new InvalidBlobKeyError(key);
}
