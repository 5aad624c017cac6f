import { describeCommitmentStoreContract } from './commitment-store.contract';
import { MemoryCommitmentStore } from './memory-commitment-store.adapter';

describeCommitmentStoreContract('in-memory', async () => ({ store: new MemoryCommitmentStore(), close: async () => undefined }));
