import { describeAeRegistryContract } from './ae-registry.contract';
import { MemoryAeRegistry } from './memory-ae-registry.adapter';

describeAeRegistryContract('in-memory', async () => ({ registry: new MemoryAeRegistry(), close: async () => undefined }));
