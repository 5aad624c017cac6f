import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { BlobsNotDeletedError } from './blob-store.port';
import { describeBlobStoreContract } from './blob-store.contract';
import { directoriesToSync, FileBlobStore } from './file-blob-store.adapter';

const roots: string[] = [];

describeBlobStoreContract('filesystem', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-blobs-'));
  roots.push(root);
  return new FileBlobStore(root);
});

afterAll(async () => {
  for (const root of roots) await fs.rm(root, { recursive: true, force: true });
});

describe('what a put syncs', () => {
  it('syncs the object directory, and the parent of every directory it created', () => {
    expect(directoriesToSync('/r/t/study/series/sop', undefined)).toEqual(['/r/t/study/series/sop']);
    expect(directoriesToSync('/r/t/study/series/sop', '/r/t/study/series/sop')).toEqual(['/r/t/study/series/sop', '/r/t/study/series']);
    expect(directoriesToSync('/r/t/study/series/sop', '/r/t/study')).toEqual(['/r/t/study/series/sop', '/r/t/study/series', '/r/t/study', '/r/t']);
  });
});

describe('deleting many files', () => {
  it('deletes what it can and rejects naming the keys it could not delete', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-blobs-'));
    roots.push(root);
    const store = new FileBlobStore(root);
    await store.init();
    for (const key of ['t/1', 't/2', 't/dir/3']) await store.put(key, Readable.from([Buffer.from('x')]));

    // "t/dir" is a directory, which a delete does not remove.
    const rejection = store.deleteMany(['t/1', 't/dir', 't/2']);

    await expect(rejection).rejects.toBeInstanceOf(BlobsNotDeletedError);
    await expect(rejection).rejects.toMatchObject({ failures: [{ key: 't/dir', reason: expect.any(String) }] });
    expect(await store.stat('t/1')).toBeUndefined();
    expect(await store.stat('t/2')).toBeUndefined();
    expect(await store.stat('t/dir/3')).toEqual({ sizeBytes: 1 });
  });
});
