import { describeInstanceIndexContract } from './instance-index.contract';
import { MemoryInstanceIndex } from './memory-instance-index.adapter';

describeInstanceIndexContract('in-memory', async () => ({ index: new MemoryInstanceIndex(), close: async () => undefined }));
