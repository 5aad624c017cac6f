import { describeBlobStoreContract } from './blob-store.contract';
import { MemoryBlobStore } from './memory-blob-store.adapter';

describeBlobStoreContract('in-memory', async () => new MemoryBlobStore());
