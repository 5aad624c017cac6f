import { TypeormObjectCatalog } from '@tessera/catalog';
import { TypeormInstanceIndex } from '@tessera/index-store';
import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { deletionKeyOf, DELETION_CT, describeInstanceDeletionContract, type InstanceDeletionFixture } from './instance-deletion.contract';
import { TypeormInstanceDeletion } from './typeorm-instance-deletion.adapter';
import { TypeormPatientErasure } from './typeorm-patient-erasure.adapter';

const MR = '1.2.840.10008.5.1.4.1.1.4';

// The index and the catalog filled through their adapters, as Tessera fills them.
async function fixture(t: TestDatabase): Promise<InstanceDeletionFixture> {
  const index = new TypeormInstanceIndex(t.db);
  const catalog = new TypeormObjectCatalog(t.db);
  const object = (tenant: string, study: string, series: string, sop: string, sopClassUID = DELETION_CT) => ({
    tenant,
    studyInstanceUID: study,
    seriesInstanceUID: series,
    sopInstanceUID: sop,
    sopClassUID,
    transferSyntaxUID: '1.2.840.10008.1.2.1',
    objectKey: deletionKeyOf(tenant, study, series, sop),
    sizeBytes: 1000,
    datasetOffset: 200,
    datasetSha256: 'a'.repeat(64),
    storedAt: new Date('2026-11-01T00:00:00Z'),
  });
  const indexOne = async (o: ReturnType<typeof object>, patient: { patientID: string; issuerOfPatientID: string }) => {
    await index.index({
      ...o,
      metadata: {
        '00080016': { vr: 'UI', Value: [o.sopClassUID] },
        '00080018': { vr: 'UI', Value: [o.sopInstanceUID] },
        '00080050': { vr: 'SH', Value: [`ACC-${o.studyInstanceUID}`] },
        '00080060': { vr: 'CS', Value: [o.sopClassUID === MR ? 'MR' : 'CT'] },
        '00100020': { vr: 'LO', Value: [patient.patientID] },
        '00100021': { vr: 'LO', Value: [patient.issuerOfPatientID] },
        '0020000D': { vr: 'UI', Value: [o.studyInstanceUID] },
        '0020000E': { vr: 'UI', Value: [o.seriesInstanceUID] },
      },
    });
  };
  return {
    store: new TypeormInstanceDeletion(t.db),
    seed: async (tenant, patient, study, series, sops) => {
      for (const sop of sops) {
        const o = object(tenant, study, series, sop, series.endsWith('.2') ? MR : DELETION_CT);
        await catalog.record(o, []);
        await indexOne(o, patient);
      }
    },
    indexUncataloged: async (tenant, patient, study, series, sop) => indexOne(object(tenant, study, series, sop, series.endsWith('.2') ? MR : DELETION_CT), patient),
    seedUnindexed: async (tenant, study, series, sop) => {
      await catalog.record(object(tenant, study, series, sop), []);
    },
    setHold: (tenant, patient, reason) => new TypeormPatientErasure(t.db).setHold(tenant, { patient, reason, setBy: 'admin-sub', setAt: new Date() }),
    remaining: async (tenant, study) => {
      const rows = (await t.db.dataSource.query(
        `SELECT sop_instance_uid FROM instance WHERE tenant_id = $1 AND study_instance_uid = $2
         UNION SELECT sop_instance_uid FROM stored_object WHERE tenant_id = $1 AND study_instance_uid = $2 ORDER BY 1`,
        [tenant, study],
      )) as { sop_instance_uid: string }[];
      return rows.map((r) => r.sop_instance_uid);
    },
    eventCount: async () => Number(((await t.db.dataSource.query('SELECT count(*) AS n FROM outbox_event')) as { n: string }[])[0]?.n),
    close: () => t.drop(),
  };
}

describeInstanceDeletionContract('PostgreSQL', async () => fixture(await createPostgresTestDatabase(['t1', 't2'])));
describeInstanceDeletionContract('PGlite', async () => fixture(await createPgliteTestDatabase(['t1', 't2'])));

describe('TypeormInstanceDeletion', () => {
  it("keeps the study's counts, modalities and SOP classes to what is left, and leaves no row of a study deleted whole", async () => {
    const t = await createPostgresTestDatabase(['t1', 't2']);
    try {
      const f = await fixture(t);
      const P1 = { patientID: 'P1', issuerOfPatientID: 'HOSP-A' };
      await f.seed('t1', P1, '1.2.3', '1.2.3.1', ['1.2.3.1.1']);
      await f.seed('t1', P1, '1.2.3', '1.2.3.2', ['1.2.3.2.1', '1.2.3.2.2']);
      const request = (series?: string) => ({ id: crypto.randomUUID(), tenant: 't1', scope: { study: '1.2.3', ...(series ? { series } : {}) }, requestedBy: { userId: 'a', isRequestor: true }, at: new Date(), purgeAfter: new Date() });

      await f.store.deleteInstances(request('1.2.3.2'), () => []);
      const [study] = (await t.db.dataSource.query(`SELECT number_of_series, number_of_instances, modalities_in_study, sop_classes_in_study FROM study WHERE study_instance_uid = '1.2.3'`)) as unknown[];
      expect(study).toEqual({ number_of_series: 1, number_of_instances: 1, modalities_in_study: ['CT'], sop_classes_in_study: [DELETION_CT] });

      await f.store.deleteInstances(request(), () => []);
      for (const table of ['study', 'series', 'instance', 'stored_object', 'study_stability']) {
        const [row] = (await t.db.dataSource.query(`SELECT count(*) AS n FROM ${table}`)) as { n: string }[];
        expect([table, Number(row?.n)]).toEqual([table, 0]);
      }
      // The patient stays: it may have other studies, and only an erasure removes a patient.
      const [patients] = (await t.db.dataSource.query('SELECT count(*)::int AS n FROM patient')) as { n: number }[];
      expect(patients?.n).toBe(1);
    } finally {
      await t.drop();
    }
  });
});
