import { deletionKeyOf, DELETION_CT, describeInstanceDeletionContract } from './instance-deletion.contract';
import { MemoryInstanceDeletion } from './memory-instance-deletion.adapter';
import { MemoryPatientErasure } from './memory-patient-erasure.adapter';

describeInstanceDeletionContract('in-memory', async () => {
  const holds = new MemoryPatientErasure();
  const store = new MemoryInstanceDeletion(holds);
  const add = (tenant: string, study: string, series: string, sop: string, extra: object) =>
    store.addInstance({ tenant, studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: sop, sopClassUID: DELETION_CT, objectKey: deletionKeyOf(tenant, study, series, sop), ...extra });
  return {
    store,
    seed: async (tenant, patient, study, series, sops) => sops.forEach((sop) => add(tenant, study, series, sop, { patient, accessionNumber: `ACC-${study}` })),
    indexUncataloged: async (tenant, patient, study, series, sop) =>
      store.addUncataloged({ tenant, patient, studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: sop, sopClassUID: DELETION_CT, objectKey: deletionKeyOf(tenant, study, series, sop) }),
    seedUnindexed: async (tenant, study, series, sop) => add(tenant, study, series, sop, {}),
    setHold: (tenant, patient, reason) => holds.setHold(tenant, { patient, reason, setBy: 'admin-sub', setAt: new Date() }),
    remaining: async (tenant, study) => store.remaining(tenant, study).sort(),
    eventCount: async () => store.events.length,
    close: async () => undefined,
  };
});
