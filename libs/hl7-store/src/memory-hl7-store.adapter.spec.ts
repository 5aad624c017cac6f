import { describeHl7StoreContract } from './hl7-store.contract';
import { MemoryHl7Store } from './memory-hl7-store.adapter';

describeHl7StoreContract('in-memory', async () => {
  const store = new MemoryHl7Store();
  return {
    store,
    seedStudy: async (tenant, uid, patient, attributes) => store.addStudy(tenant, uid, patient, attributes),
    studyAttributes: async (tenant, uid) => store.study(tenant, uid),
    worklistAttributes: async (tenant, uid, sps) => store.state.worklist.get([tenant, uid, sps].join('\u0000'))?.attributes,
    close: async () => undefined,
  };
});
