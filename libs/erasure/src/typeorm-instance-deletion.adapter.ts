import { scopeCondition } from '@tessera/catalog';
import type { Database } from '@tessera/database';
import { appendToOutbox, type OutboxEntry } from '@tessera/outbox';
import type { EntityManager } from 'typeorm';
import type { AuditParticipant } from '@tessera/audit';
import type { DeleteInstancesOutcome, DeletedSeries, DeletionAudit, DeletionRequest, DeletionScope, InstanceDeletion, InstanceDeletionStore, PendingPurge } from './instance-deletion.port';
import type { ErasedStudy, PatientIdentity } from './patient-erasure.port';
import { findHold, lockPatient } from './patient-lock.sql';

// What instance_deletion.audit keeps for the deletion's audit record (with requested_by and requested_at).
interface StoredAudit {
  readonly scope: DeletionScope;
  readonly patient: PatientIdentity;
  readonly study: ErasedStudy;
}

interface TakenRow {
  sop_instance_uid: string;
  series_instance_uid: string;
  sop_class_uid: string;
  object_key: string;
}

/**
 * Deletion of studies, series and instances in PostgreSQL (or PGlite): the index rows (instance,
 * series, study and its stability record and shares) and the catalog rows (stored_object) are deleted
 * in one transaction, and table instance_deletion keeps the object keys until the purge.
 */
export class TypeormInstanceDeletion implements InstanceDeletionStore {
  constructor(private readonly db: Database) {}

  deleteInstances(request: DeletionRequest, announce: (deletion: InstanceDeletion) => readonly OutboxEntry[]): Promise<DeleteInstancesOutcome> {
    const { tenant, scope } = request;
    return this.db.transaction(async (manager): Promise<DeleteInstancesOutcome> => {
      const { where, params } = scopeCondition(tenant, scope);
      const patient = await patientOf(manager, tenant, scope.study);
      if (patient) {
        // The same lock as holds and erasures of the patient take, so a hold set meanwhile is seen.
        await lockPatient(manager, tenant, patient);
        const hold = await findHold(manager, tenant, patient);
        if (hold) return { kind: 'held', hold };
      } else {
        // Without the study in the index, only its objects say whose they are: a legal hold on that
        // patient cannot be checked, so nothing stored but not indexed yet is deleted.
        const [stored] = (await manager.query(`SELECT 1 FROM stored_object WHERE ${where} LIMIT 1`, params)) as unknown[];
        return stored ? { kind: 'patient-unknown' } : { kind: 'not-found' };
      }
      // Locking the study row makes the indexer, which updates it, wait until the rows are gone.
      const [study] = (await manager.query('SELECT accession_number FROM study WHERE tenant_id = $1 AND study_instance_uid = $2 FOR UPDATE', [tenant, scope.study])) as {
        accession_number: string | null;
      }[];
      const [indexed] = (await manager.query(`DELETE FROM instance WHERE ${where} RETURNING sop_instance_uid, series_instance_uid, sop_class_uid, object_key`, params)) as [TakenRow[], number];
      // The catalog also has objects stored but not indexed yet.
      const [cataloged] = (await manager.query(`DELETE FROM stored_object WHERE ${where} RETURNING sop_instance_uid, series_instance_uid, sop_class_uid, object_key`, params)) as [TakenRow[], number];
      const taken = new Map<string, TakenRow>();
      for (const row of [...cataloged, ...indexed]) taken.set(row.sop_instance_uid, row);
      if (taken.size === 0) return { kind: 'not-found' };

      const studyDeleted = await recount(manager, tenant, scope.study, indexed.map((r) => r.series_instance_uid));

      const rows = [...taken.values()];
      const deletion: InstanceDeletion = {
        id: request.id,
        tenant,
        scope,
        patient,
        study: { studyInstanceUID: scope.study, ...(study?.accession_number ? { accessionNumber: study.accession_number } : {}), sopClasses: sopClassCounts(rows) },
        series: seriesOf(rows),
        studyDeleted,
        objectKeys: [...new Set(rows.map((r) => r.object_key))].sort(),
        requestedAt: request.at,
        purgeAfter: request.purgeAfter,
      };
      const audit: StoredAudit = { scope, patient, study: deletion.study };
      await manager.query(
        `INSERT INTO instance_deletion (id, tenant_id, study_instance_uid, requested_by, requested_at, purge_after, object_keys, audit)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::text[], $8::jsonb)`,
        [deletion.id, tenant, scope.study, JSON.stringify(request.requestedBy), request.at, request.purgeAfter, deletion.objectKeys, JSON.stringify(audit)],
      );
      await appendToOutbox(manager, announce(deletion));
      return { kind: 'deleted', deletion };
    });
  }

  async unaudited(limit: number): Promise<DeletionAudit[]> {
    const rows = (await this.db.dataSource.query(
      'SELECT id, tenant_id, requested_by, requested_at, audit FROM instance_deletion WHERE audited_at IS NULL ORDER BY requested_at, id LIMIT $1',
      [limit],
    )) as { id: string; tenant_id: string; requested_by: AuditParticipant; requested_at: Date | string; audit: StoredAudit }[];
    return rows.map((r) => ({ id: r.id, tenant: r.tenant_id, ...r.audit, requestedBy: r.requested_by, requestedAt: new Date(r.requested_at) }));
  }

  async markAudited(id: string, at: Date): Promise<void> {
    await this.db.dataSource.query('UPDATE instance_deletion SET audited_at = $2 WHERE id = $1 AND audited_at IS NULL', [id, at]);
  }

  async duePurges(now: Date, limit: number): Promise<PendingPurge[]> {
    const rows = (await this.db.dataSource.query(
      'SELECT id, tenant_id, study_instance_uid, object_keys FROM instance_deletion WHERE purged_at IS NULL AND purge_after <= $1 ORDER BY purge_after, id LIMIT $2',
      [now, limit],
    )) as { id: string; tenant_id: string; study_instance_uid: string; object_keys: string[] }[];
    return rows.map((r) => ({ id: r.id, tenant: r.tenant_id, studyInstanceUID: r.study_instance_uid, objectKeys: r.object_keys }));
  }

  forgetUncataloged(tenant: string, study: string, sopInstanceUIDs: readonly string[]): Promise<number> {
    return this.db.transaction(async (manager) => {
      await manager.query('SELECT 1 FROM study WHERE tenant_id = $1 AND study_instance_uid = $2 FOR UPDATE', [tenant, study]);
      const [gone] = (await manager.query(
        `DELETE FROM instance i WHERE i.tenant_id = $1 AND i.study_instance_uid = $2 AND i.sop_instance_uid = ANY($3::text[])
           AND NOT EXISTS (SELECT 1 FROM stored_object o WHERE o.object_key = i.object_key)
         RETURNING i.series_instance_uid`,
        [tenant, study, sopInstanceUIDs],
      )) as [{ series_instance_uid: string }[], number];
      if (gone.length > 0) await recount(manager, tenant, study, gone.map((r) => r.series_instance_uid));
      return gone.length;
    });
  }

  markPurged(id: string, at: Date, events: readonly OutboxEntry[]): Promise<void> {
    return this.db.transaction(async (manager) => {
      const [, marked] = (await manager.query('UPDATE instance_deletion SET purged_at = $2 WHERE id = $1 AND purged_at IS NULL', [id, at])) as [unknown, number];
      if (marked > 0) await appendToOutbox(manager, events);
    });
  }
}

// After instances of the study went: recounts the series they were in (deleting those left empty)
// and the study (deleting it, its stability record and its shares when nothing is left). Returns
// whether the study is gone.
async function recount(manager: EntityManager, tenant: string, study: string, seriesOfGone: readonly string[]): Promise<boolean> {
  const touchedSeries = [...new Set(seriesOfGone)];
  await manager.query(
    `UPDATE series SET number_of_instances = (SELECT count(*) FROM instance i WHERE i.tenant_id = series.tenant_id AND i.series_instance_uid = series.series_instance_uid)
     WHERE tenant_id = $1 AND series_instance_uid = ANY($2::text[])`,
    [tenant, touchedSeries],
  );
  await manager.query('DELETE FROM series WHERE tenant_id = $1 AND series_instance_uid = ANY($2::text[]) AND number_of_instances = 0', [tenant, touchedSeries]);
  const [{ n: remaining }] = (await manager.query('SELECT count(*)::int AS n FROM instance WHERE tenant_id = $1 AND study_instance_uid = $2', [tenant, study])) as [{ n: number }];
  const studyDeleted = Number(remaining) === 0;
  if (studyDeleted) {
    await manager.query('DELETE FROM series WHERE tenant_id = $1 AND study_instance_uid = $2', [tenant, study]);
    await manager.query('DELETE FROM study_stability WHERE tenant_id = $1 AND study_instance_uid = $2', [tenant, study]);
    // Shares of the study: left behind, they would cover the same Study Instance UID sent again.
    await manager.query('DELETE FROM study_grant WHERE tenant_id = $1 AND study_instance_uid = $2', [tenant, study]);
    await manager.query('DELETE FROM study WHERE tenant_id = $1 AND study_instance_uid = $2', [tenant, study]);
  } else if (touchedSeries.length > 0) {
    // Study-level attributes of PS3.18 Table 10.6.1-5 that count what is left (PS3.4 C.3.4).
    await manager.query(
      `UPDATE study SET
         number_of_instances = (SELECT count(*) FROM instance i WHERE i.tenant_id = study.tenant_id AND i.study_instance_uid = study.study_instance_uid),
         number_of_series = (SELECT count(*) FROM series s WHERE s.tenant_id = study.tenant_id AND s.study_instance_uid = study.study_instance_uid),
         modalities_in_study = ARRAY(SELECT DISTINCT s.modality COLLATE "C" FROM series s WHERE s.tenant_id = study.tenant_id AND s.study_instance_uid = study.study_instance_uid AND s.modality IS NOT NULL ORDER BY 1),
         sop_classes_in_study = ARRAY(SELECT DISTINCT i.sop_class_uid COLLATE "C" FROM instance i WHERE i.tenant_id = study.tenant_id AND i.study_instance_uid = study.study_instance_uid ORDER BY 1)
       WHERE tenant_id = $1 AND study_instance_uid = $2`,
      [tenant, study],
    );
  }
  return studyDeleted;
}

// The study's patient in the index (after merges: the survivor, whose hold counts).
async function patientOf(manager: EntityManager, tenant: string, study: string): Promise<PatientIdentity | undefined> {
  const [row] = (await manager.query('SELECT p.patient_id, p.issuer_of_patient_id FROM study s JOIN patient p ON p.id = s.patient_fk WHERE s.tenant_id = $1 AND s.study_instance_uid = $2', [
    tenant,
    study,
  ])) as { patient_id: string; issuer_of_patient_id: string }[];
  return row ? { patientID: row.patient_id, issuerOfPatientID: row.issuer_of_patient_id } : undefined;
}

function seriesOf(rows: readonly TakenRow[]): DeletedSeries[] {
  const bySeries = new Map<string, string[]>();
  for (const r of rows) bySeries.set(r.series_instance_uid, [...(bySeries.get(r.series_instance_uid) ?? []), r.sop_instance_uid]);
  return [...bySeries.entries()].sort(([a], [b]) => compare(a, b)).map(([seriesInstanceUID, sops]) => ({ seriesInstanceUID, sopInstanceUIDs: sops.sort(compare) }));
}

function sopClassCounts(rows: readonly TakenRow[]): { sopClassUID: string; numberOfInstances: number }[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.sop_class_uid, (counts.get(r.sop_class_uid) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => compare(a, b)).map(([sopClassUID, numberOfInstances]) => ({ sopClassUID, numberOfInstances }));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
