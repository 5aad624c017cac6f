import { describeAuditStoreContract } from './audit-store.contract';
import { MemoryAuditStore } from './memory-audit-store.adapter';

describeAuditStoreContract('in-memory', async () => {
  const store = new MemoryAuditStore();
  return {
    store,
    alterMessage: async (chain, sequence, message) => store.tamper(chain, sequence, (r) => ({ ...r, message })),
    remove: async (chain, sequence) => store.tamper(chain, sequence, () => undefined),
    close: async () => undefined,
  };
});
