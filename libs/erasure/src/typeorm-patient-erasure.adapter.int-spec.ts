import { TypeormObjectCatalog } from '@tessera/catalog';
import { TypeormInstanceIndex } from '@tessera/index-store';
import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { CT, describePatientErasureContract, keyOf, type PatientErasureFixture } from './patient-erasure.contract';
import type { PatientIdentity } from './patient-erasure.port';
import { TypeormPatientErasure } from './typeorm-patient-erasure.adapter';

// Every table that keeps something of a patient, filled the way Tessera fills it: the index and the
// catalog through their adapters, an order with its worklist item, a performed procedure step and a
// result queued for the RIS as the hl7 and ingest roles write them, and a share of the study.
async function fixture(t: TestDatabase): Promise<PatientErasureFixture> {
  const index = new TypeormInstanceIndex(t.db);
  const catalog = new TypeormObjectCatalog(t.db);
  const q = (sql: string, params: unknown[]) => t.db.dataSource.query(sql, params) as Promise<{ n: string | number }[]>;
  // The studies seeded for each patient: their shares name no patient, only the study.
  const studiesOf = new Map<string, string[]>();
  const who = (tenant: string, patient: PatientIdentity): string => `${tenant}\u0000${patient.issuerOfPatientID}\u0000${patient.patientID}`;
  return {
    store: new TypeormPatientErasure(t.db),
    seed: async (tenant, patient, study, sops) => {
      studiesOf.set(who(tenant, patient), [...(studiesOf.get(who(tenant, patient)) ?? []), study]);
      for (const sop of sops) {
        const object = {
          tenant,
          studyInstanceUID: study,
          seriesInstanceUID: `${study}.1`,
          sopInstanceUID: sop,
          sopClassUID: CT,
          transferSyntaxUID: '1.2.840.10008.1.2.1',
          objectKey: keyOf(tenant, study, sop),
          sizeBytes: 1000,
          datasetOffset: 200,
          datasetSha256: 'a'.repeat(64),
          storedAt: new Date('2026-11-01T00:00:00Z'),
        };
        await catalog.record(object, []);
        await index.index({
          ...object,
          metadata: {
            '00080016': { vr: 'UI', Value: [CT] },
            '00080018': { vr: 'UI', Value: [sop] },
            '00080050': { vr: 'SH', Value: [`ACC-${study}`] },
            '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^John' }] },
            '00100020': { vr: 'LO', Value: [patient.patientID] },
            ...(patient.issuerOfPatientID ? { '00100021': { vr: 'LO' as const, Value: [patient.issuerOfPatientID] } } : {}),
            '0020000D': { vr: 'UI', Value: [study] },
            '0020000E': { vr: 'UI', Value: [`${study}.1`] },
          },
        });
      }
      await q(
        `INSERT INTO worklist_item (tenant_id, study_instance_uid, sps_id, patient_id, requested_procedure_id, modality, scheduled_station_ae_titles, sps_start_date, sps_start_time, sps_status, attributes)
         VALUES ($1, $2, 'SPS-1', $3, 'RP-1', 'CT', '{CT1}', '20261101', '0800', 'SCHEDULED', $4::jsonb)`,
        [tenant, study, patient.patientID, JSON.stringify({ '00100020': { vr: 'LO', Value: [patient.patientID] }, '00100021': { vr: 'LO', Value: [patient.issuerOfPatientID] } })],
      );
      await q(
        `INSERT INTO imaging_order (tenant_id, accession_number, study_instance_uid, sps_id, status, patient_id, issuer_of_patient_id) VALUES ($1, $2, $3, 'SPS-1', 'SCHEDULED', $4, $5)`,
        [tenant, `ACC-${study}`, study, patient.patientID, patient.issuerOfPatientID],
      );
      await q(
        `INSERT INTO performed_procedure_step (tenant_id, sop_instance_uid, status, study_instance_uid, accession_number, attributes, revision) VALUES ($1, $2, 'COMPLETED', $3, $4, '{}', 1)`,
        [tenant, `${study}.99`, study, `ACC-${study}`],
      );
      await q(
        `INSERT INTO hl7_outbound (tenant_id, cause_event_id, control_id, message_type, accession_number, study_instance_uid, payload, status, next_attempt_at)
         VALUES ($1, gen_random_uuid(), 'C1', 'ORM^O01', $2, $3, '\\x00', 'pending', now())`,
        [tenant, `ACC-${study}`, study],
      );
      await q(
        `INSERT INTO study_grant (id, tenant_id, study_instance_uid, grantee_subject, grantee_issuer, expires_at, reason, granted_by)
         VALUES (gen_random_uuid(), $1, $2, 'dr.jones', 'https://idp', now() + interval '1 day', 'second opinion', 'dr.rad')`,
        [tenant, study],
      );
    },
    remains: async (tenant, patient) => {
      const counts = await Promise.all([
        q('SELECT count(*) AS n FROM patient WHERE tenant_id = $1 AND patient_id = $2 AND issuer_of_patient_id = $3', [tenant, patient.patientID, patient.issuerOfPatientID]),
        q('SELECT count(*) AS n FROM imaging_order WHERE tenant_id = $1 AND patient_id = $2 AND issuer_of_patient_id = $3', [tenant, patient.patientID, patient.issuerOfPatientID]),
        q(`SELECT count(*) AS n FROM worklist_item WHERE tenant_id = $1 AND patient_id = $2 AND attributes #>> '{00100021,Value,0}' = $3`, [tenant, patient.patientID, patient.issuerOfPatientID]),
        q(
          `SELECT count(*) AS n FROM stored_object o WHERE o.tenant_id = $1 AND EXISTS (
             SELECT 1 FROM imaging_order r WHERE r.tenant_id = o.tenant_id AND r.study_instance_uid = o.study_instance_uid AND r.patient_id = $2 AND r.issuer_of_patient_id = $3)`,
          [tenant, patient.patientID, patient.issuerOfPatientID],
        ),
      ]);
      const grants = await q('SELECT count(*) AS n FROM study_grant WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[])', [tenant, studiesOf.get(who(tenant, patient)) ?? []]);
      return [...counts, grants].some((rows) => Number(rows[0]?.n) > 0);
    },
    eventCount: async () => Number((await q('SELECT count(*) AS n FROM outbox_event', []))[0]?.n),
    close: () => t.drop(),
  };
}

describePatientErasureContract('PostgreSQL', async () => fixture(await createPostgresTestDatabase(['default', 'other'])));
describePatientErasureContract('PGlite', async () => fixture(await createPgliteTestDatabase(['default', 'other'])));

describe('TypeormPatientErasure', () => {
  const P1: PatientIdentity = { patientID: 'P1', issuerOfPatientID: 'HOSP-A' };

  it('leaves no row of any table that keeps something of the patient, and erases the patients merged into it', async () => {
    const t = await createPostgresTestDatabase(['default']);
    try {
      const f = await fixture(t);
      await f.seed('default', P1, '1.2.3.1', ['1.2.3.1.1.1']);
      await f.seed('default', { patientID: 'P0', issuerOfPatientID: 'HOSP-A' }, '1.2.3.9', ['1.2.3.9.1.1']);
      // P0 merged into P1 (ADT^A40): its study moved, its row points at P1.
      await t.db.dataSource.query(`UPDATE study SET patient_fk = (SELECT id FROM patient WHERE patient_id = 'P1') WHERE study_instance_uid = '1.2.3.9'`);
      await t.db.dataSource.query(`UPDATE patient SET merged_into_fk = (SELECT id FROM patient WHERE patient_id = 'P1') WHERE patient_id = 'P0'`);
      await t.db.dataSource.query(
        `INSERT INTO patient_merge (tenant_id, survivor_fk, prior_fk, prior_attributes, moved_study_instance_uids)
         SELECT 'default', s.id, p.id, '{}', '{1.2.3.9}' FROM patient s, patient p WHERE s.patient_id = 'P1' AND p.patient_id = 'P0'`,
      );

      const outcome = await f.store.eraseRecords({ id: '00000000-0000-4000-8000-000000000001', tenant: 'default', patient: P1, reason: 'r', requestedBy: { userId: 'a', isRequestor: true }, at: new Date() }, () => []);

      expect(outcome.kind === 'erased' && outcome.job.studies.map((s) => s.studyInstanceUID)).toEqual(['1.2.3.1', '1.2.3.9']);
      for (const table of ['patient', 'patient_merge', 'study', 'series', 'instance', 'stored_object', 'study_stability', 'imaging_order', 'worklist_item', 'performed_procedure_step', 'hl7_outbound']) {
        const [row] = (await t.db.dataSource.query(`SELECT count(*) AS n FROM ${table}`)) as { n: string }[];
        expect([table, Number(row?.n)]).toEqual([table, 0]);
      }
      const [job] = (await t.db.dataSource.query('SELECT object_keys FROM patient_erasure')) as { object_keys: string[] }[];
      expect(job?.object_keys).toEqual([keyOf('default', '1.2.3.1', '1.2.3.1.1.1'), keyOf('default', '1.2.3.9', '1.2.3.9.1.1')]);
    } finally {
      await t.drop();
    }
  });
});
