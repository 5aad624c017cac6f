import { describeHl7StoreContract } from './hl7-store.contract';
import { MemoryHl7Store } from './memory-hl7-store.adapter';

describeHl7StoreContract('in-memory', async () => {
  const store = new MemoryHl7Store();
  return {
    store,
    seedStudy: async (tenant, uid, patient, attributes) => store.addStudy(tenant, uid, patient, attributes),
    studyAttributes: async (tenant, uid) => store.study(tenant, uid),
    close: async () => undefined,
  };
});
