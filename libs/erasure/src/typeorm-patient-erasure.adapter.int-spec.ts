import { TypeormObjectCatalog } from '@tessera/catalog';
import { lockPatients } from '@tessera/database';
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
      // A FHIR notification of the study waiting for its endpoint, and the HL7 messages that made the
      // patient and its order, whose recorded effects name them.
      await q(
        `INSERT INTO fhir_subscription (tenant_id, id, status, criteria, reason, endpoint, payload, headers)
         VALUES ($1, 'sub-1', 'active', 'ImagingStudy', 'r', 'https://emr.example/hook', 'application/fhir+json', '[]') ON CONFLICT DO NOTHING`,
        [tenant],
      );
      await q(
        `INSERT INTO fhir_subscription_notification (tenant_id, subscription_id, cause_event_id, study_instance_uid, body, status, next_attempt_at)
         VALUES ($1, 'sub-1', gen_random_uuid(), $2, '{"resourceType":"Bundle"}', 'pending', now())`,
        [tenant, study],
      );
      await q(
        `INSERT INTO hl7_message (tenant_id, sending_application, sending_facility, control_id, message_type, content_sha256, effect)
         VALUES ($1, 'RIS', 'HOSP', gen_random_uuid()::text, 'ADT^A08', $2, $3::jsonb), ($1, 'RIS', 'HOSP', gen_random_uuid()::text, 'ORM^O01', $2, $4::jsonb)`,
        [tenant, 'c'.repeat(64), JSON.stringify({ patient, created: true, changed: true }), JSON.stringify({ orders: [{ accessionNumber: `ACC-${study}`, control: 'NW', status: 'SCHEDULED' }] })],
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
      const studies = studiesOf.get(who(tenant, patient)) ?? [];
      const grants = await q('SELECT count(*) AS n FROM study_grant WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[])', [tenant, studies]);
      const notifications = await q('SELECT count(*) AS n FROM fhir_subscription_notification WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[])', [tenant, studies]);
      const messages = await q(`SELECT count(*) AS n FROM hl7_message WHERE tenant_id = $1 AND (effect @> $2::jsonb OR effect -> 'orders' -> 0 ->> 'accessionNumber' = ANY($3::text[]))`, [
        tenant,
        JSON.stringify({ patient }),
        studies.map((s) => `ACC-${s}`),
      ]);
      return [...counts, grants, notifications, messages].some((rows) => Number(rows[0]?.n) > 0);
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

  // An instance of the patient's study stored just before the erasure, whose instance.stored event
  // reaches the index just after it.
  const late = (study: string, sop: string) => ({
    tenant: 'default',
    studyInstanceUID: study,
    seriesInstanceUID: `${study}.1`,
    sopInstanceUID: sop,
    sopClassUID: CT,
    transferSyntaxUID: '1.2.840.10008.1.2.1',
    objectKey: keyOf('default', study, sop),
    sizeBytes: 1000,
    datasetOffset: 200,
    datasetSha256: 'b'.repeat(64),
    storedAt: new Date('2026-11-01T00:00:00Z'),
  });
  const metadataOf = (study: string, sop: string, patient: PatientIdentity) => ({
    '00080016': { vr: 'UI' as const, Value: [CT] },
    '00080018': { vr: 'UI' as const, Value: [sop] },
    '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: 'Doe^John' }] },
    '00100020': { vr: 'LO' as const, Value: [patient.patientID] },
    '00100021': { vr: 'LO' as const, Value: [patient.issuerOfPatientID] },
    '0020000D': { vr: 'UI' as const, Value: [study] },
    '0020000E': { vr: 'UI' as const, Value: [`${study}.1`] },
  });
  const erase = (store: TypeormPatientErasure) =>
    store.eraseRecords({ id: '00000000-0000-4000-8000-000000000002', tenant: 'default', patient: P1, reason: 'r', requestedBy: { userId: 'a', isRequestor: true }, at: new Date() }, () => []);

  it('does not index an instance stored before the erasure of its patient but reaching the index after it: no row outlives the patient', async () => {
    const t = await createPostgresTestDatabase(['default']);
    try {
      const f = await fixture(t);
      await f.seed('default', P1, '1.2.3.1', ['1.2.3.1.1.1']);
      const object = late('1.2.3.1', '1.2.3.1.1.2');
      await new TypeormObjectCatalog(t.db).record(object, []);

      const outcome = await erase(f.store as TypeormPatientErasure);
      const outcomes = await new TypeormInstanceIndex(t.db).indexMany([{ ...object, metadata: metadataOf('1.2.3.1', '1.2.3.1.1.2', P1) }]);

      expect(outcome.kind === 'erased' && outcome.job.objectKeys).toContain(object.objectKey);
      expect(outcomes).toEqual(['erased']);
      for (const table of ['patient', 'study', 'series', 'instance']) {
        const [row] = (await t.db.dataSource.query(`SELECT count(*) AS n FROM ${table}`)) as { n: string }[];
        expect([table, Number(row?.n)]).toEqual([table, 0]);
      }
      // The same instance stored again later (a new object) is indexed: the patient may come back.
      const again = { ...late('1.2.3.1', '1.2.3.1.1.2'), objectKey: 'default/1.2.3.1/1.2.3.1.1/1.2.3.1.1.2/v2.dcm' };
      expect(await new TypeormInstanceIndex(t.db).indexMany([{ ...again, metadata: metadataOf('1.2.3.1', '1.2.3.1.1.2', P1) }])).toEqual(['indexed']);
    } finally {
      await t.drop();
    }
  });

  it('waits for an indexer working on the patient until the indexer commits', async () => {
    const t = await createPostgresTestDatabase(['default']);
    const indexer = t.db.dataSource.createQueryRunner();
    try {
      const f = await fixture(t);
      await f.seed('default', P1, '1.2.3.1', ['1.2.3.1.1.1']);
      // An indexer mid-transaction on P1 (as indexMany holds it until it commits).
      await indexer.connect();
      await indexer.startTransaction();
      await lockPatients(indexer.manager, [{ tenant: 'default', ...P1 }], 'shared');
      let done = false;
      const erasing = erase(f.store as TypeormPatientErasure).then((o) => ((done = true), o));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(done).toBe(false);
      await indexer.commitTransaction();
      expect((await erasing).kind).toBe('erased');
    } finally {
      await indexer.release();
      await t.drop();
    }
  });
});
