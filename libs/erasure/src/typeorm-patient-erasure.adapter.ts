import type { AuditParticipant } from '@tessera/audit';
import { lockPatients, type Database } from '@tessera/database';
import { appendToOutbox, type OutboxEntry } from '@tessera/outbox';
import type { EntityManager } from 'typeorm';
import type { EraseRecordsOutcome, ErasedStudy, ErasureJob, ErasureRequest, LegalHold, PatientErasureStore, PatientIdentity } from './patient-erasure.port';

interface HoldRow {
  patient_id: string;
  issuer_of_patient_id: string;
  reason: string;
  set_by: string;
  set_at: Date;
}

interface JobRow {
  id: string;
  tenant_id: string;
  patient_id: string;
  issuer_of_patient_id: string;
  reason: string;
  requested_by: AuditParticipant;
  requested_at: Date;
  studies: ErasedStudy[];
  object_keys: string[];
  audited_at: Date | null;
}

/**
 * Erasure and legal holds in PostgreSQL (or PGlite), over every table that keeps something of a
 * patient. A transaction-scoped advisory lock per patient serialises holds and erasures of that
 * patient across replicas.
 */
export class TypeormPatientErasure implements PatientErasureStore {
  constructor(private readonly db: Database) {}

  setHold(tenant: string, hold: LegalHold): Promise<void> {
    return this.db.transaction(async (manager) => {
      await lockPatient(manager, tenant, hold.patient);
      await manager.query(
        `INSERT INTO patient_legal_hold (tenant_id, patient_id, issuer_of_patient_id, reason, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, patient_id, issuer_of_patient_id) DO UPDATE SET reason = EXCLUDED.reason, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`,
        [tenant, hold.patient.patientID, hold.patient.issuerOfPatientID, hold.reason, hold.setBy, hold.setAt],
      );
    });
  }

  clearHold(tenant: string, patient: PatientIdentity): Promise<LegalHold | undefined> {
    return this.db.transaction(async (manager) => {
      await lockPatient(manager, tenant, patient);
      const [rows] = (await manager.query(
        'DELETE FROM patient_legal_hold WHERE tenant_id = $1 AND patient_id = $2 AND issuer_of_patient_id = $3 RETURNING patient_id, issuer_of_patient_id, reason, set_by, set_at',
        [tenant, patient.patientID, patient.issuerOfPatientID],
      )) as [HoldRow[], number];
      return rows[0] ? toHold(rows[0]) : undefined;
    });
  }

  async holdOf(tenant: string, patient: PatientIdentity): Promise<LegalHold | undefined> {
    return findHold(this.db.dataSource.manager, tenant, patient);
  }

  eraseRecords(request: ErasureRequest, announce: (job: ErasureJob) => readonly OutboxEntry[]): Promise<EraseRecordsOutcome> {
    const { tenant, patient } = request;
    return this.db.transaction(async (manager): Promise<EraseRecordsOutcome> => {
      // The patient as queries see it, and every patient merged into it (ADT^A40), which is the same person.
      const patientRows = (await manager.query(
        `WITH RECURSIVE p AS (
           SELECT id FROM patient WHERE tenant_id = $1 AND patient_id = $2 AND issuer_of_patient_id = $3 AND merged_into_fk IS NULL
           UNION SELECT c.id FROM patient c JOIN p ON c.merged_into_fk = p.id
         ) SELECT patient.id, patient.patient_id, patient.issuer_of_patient_id FROM p JOIN patient USING (id)`,
        [tenant, patient.patientID, patient.issuerOfPatientID],
      )) as { id: string; patient_id: string; issuer_of_patient_id: string }[];
      const patients = patientRows.map((r) => r.id);
      // Orders and worklist items know a patient by identity, the merged ones' too.
      const ids = [patient.patientID, ...patientRows.map((r) => r.patient_id)];
      const issuers = [patient.issuerOfPatientID, ...patientRows.map((r) => r.issuer_of_patient_id)];
      // All of the identities at once (lockPatients orders them, so an indexer holding some of them
      // cannot wait for this transaction while it waits for that one). Instances being indexed under
      // them are then indexed before the rows below are read, and erased with them, or after the
      // erasure, when the indexer finds their objects claimed by it.
      await lockPatients(manager, ids.map((id, i) => ({ tenant, patientID: id, issuerOfPatientID: issuers[i] as string })), 'exclusive');
      const hold = await findHold(manager, tenant, patient);
      if (hold) return { kind: 'held', hold };
      // Locking the patient rows makes the indexer wait (it updates them) until the rows are gone.
      if (patients.length > 0) await manager.query('SELECT id FROM patient WHERE id = ANY($1::bigint[]) FOR UPDATE', [patients]);
      const studyRows = (await manager.query('SELECT study_instance_uid, accession_number FROM study WHERE patient_fk = ANY($1::bigint[]) ORDER BY study_instance_uid FOR UPDATE', [patients])) as {
        study_instance_uid: string;
        accession_number: string | null;
      }[];
      const studies = studyRows.map((s) => s.study_instance_uid);
      const sopClasses = (await manager.query(
        'SELECT study_instance_uid, sop_class_uid, count(*)::int AS n FROM instance WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[]) GROUP BY 1, 2 ORDER BY 1, 2',
        [tenant, studies],
      )) as { study_instance_uid: string; sop_class_uid: string; n: number }[];
      const erasedStudies: ErasedStudy[] = studyRows.map((s) => ({
        studyInstanceUID: s.study_instance_uid,
        ...(s.accession_number ? { accessionNumber: s.accession_number } : {}),
        sopClasses: sopClasses.filter((c) => c.study_instance_uid === s.study_instance_uid).map((c) => ({ sopClassUID: c.sop_class_uid, numberOfInstances: Number(c.n) })),
      }));

      // Orders of the patient, and those matched to its studies.
      const [orders] = (await manager.query(
        `DELETE FROM imaging_order WHERE tenant_id = $1
           AND ((patient_id, issuer_of_patient_id) IN (SELECT * FROM unnest($2::text[], $3::text[])) OR matched_study_instance_uid = ANY($4::text[]))
         RETURNING accession_number, study_instance_uid`,
        [tenant, ids, issuers, studies],
      )) as [{ accession_number: string; study_instance_uid: string }[], number];
      const accessions = [...orders.map((o) => o.accession_number), ...studyRows.flatMap((s) => (s.accession_number ? [s.accession_number] : []))];
      const scheduledStudies = [...studies, ...orders.map((o) => o.study_instance_uid)];
      // Worklist items keep Issuer of Patient ID in their attributes only (PS3.4 K.6.1.2.2).
      const [, worklistItems] = (await manager.query(
        `DELETE FROM worklist_item WHERE tenant_id = $1 AND (study_instance_uid = ANY($4::text[])
           OR (patient_id, coalesce(attributes #>> '{00100021,Value,0}', '')) IN (SELECT * FROM unnest($2::text[], $3::text[])))`,
        [tenant, ids, issuers, scheduledStudies],
      )) as [unknown, number];
      await manager.query('DELETE FROM performed_procedure_step WHERE tenant_id = $1 AND (study_instance_uid = ANY($2::text[]) OR accession_number = ANY($3::text[]))', [
        tenant,
        scheduledStudies,
        accessions,
      ]);
      // Results queued for the RIS carry the patient's identity and name in their payload.
      await manager.query('DELETE FROM hl7_outbound WHERE tenant_id = $1 AND (study_instance_uid = ANY($2::text[]) OR accession_number = ANY($3::text[]))', [tenant, scheduledStudies, accessions]);
      // So do FHIR notifications of the studies (their ImagingStudy names the patient), sent or not.
      await manager.query('DELETE FROM fhir_subscription_notification WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[])', [tenant, studies]);
      // The record of each HL7 message applied stays (a resend is answered as a duplicate, not applied
      // again), but what it says it did names the patient: by identity, or by the orders' accession numbers.
      await manager.query(
        `UPDATE hl7_message SET effect = jsonb_build_object('erasedBy', $4::text) WHERE tenant_id = $1 AND (
           EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS who(id, issuer)
                   WHERE jsonb_path_exists(effect, '$.** ? (@.patientID == $id && @.issuerOfPatientID == $issuer)', jsonb_build_object('id', who.id, 'issuer', who.issuer)))
           OR EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(effect -> 'orders') = 'array' THEN effect -> 'orders' ELSE '[]' END) AS o
                      WHERE o ->> 'accessionNumber' = ANY($5::text[])))`,
        [tenant, ids, issuers, request.id, accessions],
      );

      await manager.query('DELETE FROM study_stability WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[])', [tenant, studies]);
      // Shares of the studies: left behind, they would cover the same Study Instance UID sent again.
      await manager.query('DELETE FROM study_grant WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[])', [tenant, studies]);
      const [instanceKeys] = (await manager.query('DELETE FROM instance WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[]) RETURNING object_key', [tenant, studies])) as [
        { object_key: string }[],
        number,
      ];
      await manager.query('DELETE FROM series WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[])', [tenant, studies]);
      // The catalog also has objects stored but not indexed yet; their keys are taken from the rows deleted.
      const [catalogKeys] = (await manager.query('DELETE FROM stored_object WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[]) RETURNING object_key', [tenant, studies])) as [
        { object_key: string }[],
        number,
      ];
      await manager.query('DELETE FROM study WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[])', [tenant, studies]);
      await manager.query('DELETE FROM patient_merge WHERE survivor_fk = ANY($1::bigint[]) OR prior_fk = ANY($1::bigint[])', [patients]);
      await manager.query('DELETE FROM patient WHERE id = ANY($1::bigint[])', [patients]);

      if (patients.length === 0 && orders.length === 0 && worklistItems === 0) return { kind: 'not-found' };
      const job: ErasureJob = {
        id: request.id,
        tenant,
        patient,
        reason: request.reason,
        requestedBy: request.requestedBy,
        requestedAt: request.at,
        studies: erasedStudies,
        objectKeys: [...new Set([...instanceKeys, ...catalogKeys].map((k) => k.object_key))].sort(),
        audited: false,
      };
      await manager.query(
        `INSERT INTO patient_erasure (id, tenant_id, patient_id, issuer_of_patient_id, reason, requested_by, requested_at, studies, object_keys)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb, $9::text[])`,
        [job.id, tenant, patient.patientID, patient.issuerOfPatientID, job.reason, JSON.stringify(job.requestedBy), job.requestedAt, JSON.stringify(job.studies), job.objectKeys],
      );
      await appendToOutbox(manager, announce(job));
      return { kind: 'erased', job };
    });
  }

  async unfinished(before: Date, limit: number): Promise<ErasureJob[]> {
    const rows = (await this.db.dataSource.query(
      `SELECT id, tenant_id, patient_id, issuer_of_patient_id, reason, requested_by, requested_at, studies, object_keys, audited_at
       FROM patient_erasure WHERE finished_at IS NULL AND requested_at < $1 ORDER BY requested_at, id LIMIT $2`,
      [before, limit],
    )) as JobRow[];
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant_id,
      patient: { patientID: r.patient_id, issuerOfPatientID: r.issuer_of_patient_id },
      reason: r.reason,
      requestedBy: r.requested_by,
      requestedAt: new Date(r.requested_at),
      studies: r.studies,
      objectKeys: r.object_keys,
      audited: r.audited_at !== null,
    }));
  }

  async markAudited(id: string): Promise<void> {
    await this.db.dataSource.query('UPDATE patient_erasure SET audited_at = now() WHERE id = $1 AND audited_at IS NULL', [id]);
  }

  async markFinished(id: string, at: Date): Promise<void> {
    await this.db.dataSource.query('UPDATE patient_erasure SET finished_at = $2 WHERE id = $1', [id, at]);
  }
}

// One lock per tenant and patient identity, held until the transaction ends.
function lockPatient(manager: EntityManager, tenant: string, patient: PatientIdentity): Promise<void> {
  return lockPatients(manager, [{ tenant, ...patient }], 'exclusive');
}

async function findHold(manager: EntityManager, tenant: string, patient: PatientIdentity): Promise<LegalHold | undefined> {
  const [row] = (await manager.query(
    'SELECT patient_id, issuer_of_patient_id, reason, set_by, set_at FROM patient_legal_hold WHERE tenant_id = $1 AND patient_id = $2 AND issuer_of_patient_id = $3',
    [tenant, patient.patientID, patient.issuerOfPatientID],
  )) as HoldRow[];
  return row ? toHold(row) : undefined;
}

function toHold(row: HoldRow): LegalHold {
  return { patient: { patientID: row.patient_id, issuerOfPatientID: row.issuer_of_patient_id }, reason: row.reason, setBy: row.set_by, setAt: new Date(row.set_at) };
}
