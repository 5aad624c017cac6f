import { describeWorklistStoreContract } from './worklist-store.contract';
import { MemoryWorklistStore } from './memory-worklist-store.adapter';

describeWorklistStoreContract('in-memory', async () => ({ store: new MemoryWorklistStore(), close: async () => undefined }));
