import { MemoryPatientErasure } from './memory-patient-erasure.adapter';
import { CT, describePatientErasureContract, keyOf } from './patient-erasure.contract';

describePatientErasureContract('in-memory', async () => {
  const store = new MemoryPatientErasure();
  return {
    store,
    seed: async (tenant, patient, study, sops) => store.addRecords(tenant, patient, [{ studyInstanceUID: study, accessionNumber: `ACC-${study}`, sopClasses: [{ sopClassUID: CT, numberOfInstances: sops.length }] }], sops.map((sop) => keyOf(tenant, study, sop))),
    remains: async (tenant, patient) => store.hasRecords(tenant, patient),
    eventCount: async () => store.events.length,
    close: async () => undefined,
  };
});
