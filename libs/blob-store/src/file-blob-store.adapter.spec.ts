import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeBlobStoreContract } from './blob-store.contract';
import { FileBlobStore } from './file-blob-store.adapter';

const roots: string[] = [];

describeBlobStoreContract('filesystem', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-blobs-'));
  roots.push(root);
  return new FileBlobStore(root);
});

afterAll(async () => {
  for (const root of roots) await fs.rm(root, { recursive: true, force: true });
});
