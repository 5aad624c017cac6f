import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
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
