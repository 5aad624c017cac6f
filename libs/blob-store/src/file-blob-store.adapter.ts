import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { BlobNotFoundError, BlobsNotDeletedError, assertValidKey, type BlobStat, type BlobStore, type ByteRange } from './blob-store.port';
import { settleInParallel } from './settle-in-parallel';

const INCOMING = '.incoming';
// Unlinks in flight at once in deleteMany: enough to overlap the file system's latency, few enough file handles.
const DELETES_IN_PARALLEL = 16;

/**
 * Objects as files under a root directory (all-in-one mode). A put writes a temporary file, fsyncs it,
 * renames it into place and fsyncs the directory, so an object is either whole and durable or absent.
 */
export class FileBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async init(): Promise<void> {
    await fs.mkdir(path.join(this.root, INCOMING), { recursive: true });
    // Leftovers of puts interrupted by a crash are never visible; clear them.
    for (const name of await fs.readdir(path.join(this.root, INCOMING))) await fs.rm(path.join(this.root, INCOMING, name), { force: true });
  }

  async put(key: string, body: Readable): Promise<BlobStat> {
    assertValidKey(key);
    const target = this.pathOf(key);
    const temporary = path.join(this.root, INCOMING, randomUUID());
    const file = await fs.open(temporary, 'wx');
    let size = 0;
    try {
      for await (const chunk of body) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        await file.write(buffer);
      }
      await file.sync();
    } catch (err) {
      await file.close();
      await fs.rm(temporary, { force: true });
      throw err;
    }
    await file.close();
    try {
      const dir = path.dirname(target);
      const firstCreated = await fs.mkdir(dir, { recursive: true });
      await fs.rename(temporary, target);
      // A new file is durable once its directory is synced, and a new directory once its parent is
      // (fsync(2)): the object's directory, and the parent of every directory this put created.
      for (const d of directoriesToSync(dir, firstCreated)) await syncDirectory(d);
    } catch (err) {
      await fs.rm(temporary, { force: true });
      throw err;
    }
    return { sizeBytes: size };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    const file = this.pathOf(key);
    // Open first so that a missing file is a rejection here, not an error event later.
    const handle = await fs.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new BlobNotFoundError(key) : err;
    });
    return handle.createReadStream({ highWaterMark: 256 * 1024, ...(range ? { start: range.start, ...(range.end !== undefined ? { end: range.end } : {}) } : {}) });
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    assertValidKey(key);
    try {
      return { sizeBytes: (await fs.stat(this.pathOf(key))).size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await fs.rm(this.pathOf(key), { force: true });
  }

  // Like delete, it leaves emptied directories in place: removing one could race a put that has just made it.
  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertValidKey(key);
    const failures = await settleInParallel(keys, DELETES_IN_PARALLEL, (key) => fs.rm(this.pathOf(key), { force: true }));
    if (failures.length > 0) throw new BlobsNotDeletedError(failures.map(({ item, error }) => ({ key: item, reason: (error as Error).message })));
  }

  async *list(prefix: string): AsyncIterable<string> {
    yield* this.walk(this.root, '', prefix);
  }

  private async *walk(dir: string, relative: string, prefix: string): AsyncIterable<string> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name === INCOMING) continue;
      const key = relative ? `${relative}/${entry.name}` : entry.name;
      if (!(key.startsWith(prefix) || prefix.startsWith(`${key}/`))) continue;
      if (entry.isDirectory()) yield* this.walk(path.join(dir, entry.name), key, prefix);
      else if (key.startsWith(prefix)) yield key;
    }
  }

  private pathOf(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }
}

/** `dir`, and when mkdir created `firstCreated` … `dir`, the parent of each of those. */
export function directoriesToSync(dir: string, firstCreated: string | undefined): string[] {
  const dirs = [dir];
  if (firstCreated === undefined) return dirs;
  for (let d = dir; ; d = path.dirname(d)) {
    dirs.push(path.dirname(d));
    if (d === firstCreated || path.dirname(d) === d) return dirs;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
