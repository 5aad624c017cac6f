import type { Database } from '@tessera/database';
import type { DicomJsonDataset } from '@tessera/dicom';
import { appendToOutbox, type OutboxEntry } from '@tessera/outbox';
import type { PerformedProcedureStep, ProcedureStepChange, ProcedureStepStatus, ProcedureStepStore } from './procedure-step-store.port';

interface Row {
  tenant_id: string;
  sop_instance_uid: string;
  status: ProcedureStepStatus;
  study_instance_uid: string;
  accession_number: string | null;
  attributes: DicomJsonDataset;
  revision: number;
}

/** The procedure-step store in PostgreSQL (or PGlite), table performed_procedure_step. */
export class TypeormProcedureStepStore implements ProcedureStepStore {
  constructor(private readonly db: Database) {}

  async find(tenant: string, sopInstanceUID: string): Promise<PerformedProcedureStep | undefined> {
    const rows = (await this.db.dataSource.query(
      `SELECT tenant_id, sop_instance_uid, status, study_instance_uid, accession_number, attributes, revision
       FROM performed_procedure_step WHERE tenant_id = $1 AND sop_instance_uid = $2`,
      [tenant, sopInstanceUID],
    )) as Row[];
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async create(step: Omit<PerformedProcedureStep, 'revision'>, events: readonly OutboxEntry[]): Promise<'created' | 'duplicate'> {
    return this.db.transaction(async (manager) => {
      const inserted = (await manager.query(
        `INSERT INTO performed_procedure_step (tenant_id, sop_instance_uid, status, study_instance_uid, accession_number, attributes, revision)
         VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (tenant_id, sop_instance_uid) DO NOTHING RETURNING sop_instance_uid`,
        [step.tenant, step.sopInstanceUID, step.status, step.studyInstanceUID, step.accessionNumber ?? null, JSON.stringify(step.attributes)],
      )) as unknown[];
      if (inserted.length === 0) return 'duplicate';
      await appendToOutbox(manager, events);
      return 'created';
    });
  }

  async update(change: ProcedureStepChange, events: readonly OutboxEntry[]): Promise<'updated' | 'stale'> {
    return this.db.transaction(async (manager) => {
      const rows = (await manager.query(
        `WITH changed AS (
           UPDATE performed_procedure_step SET status = $4, attributes = $5, revision = revision + 1, updated_at = now()
           WHERE tenant_id = $1 AND sop_instance_uid = $2 AND revision = $3 AND status = 'IN PROGRESS' RETURNING 1
         ) SELECT count(*) AS n FROM changed`,
        [change.tenant, change.sopInstanceUID, change.fromRevision, change.status, JSON.stringify(change.attributes)],
      )) as { n: string | number }[];
      if (Number(rows[0]?.n) === 0) return 'stale';
      await appendToOutbox(manager, events);
      return 'updated';
    });
  }
}

function fromRow(r: Row): PerformedProcedureStep {
  return {
    tenant: r.tenant_id,
    sopInstanceUID: r.sop_instance_uid,
    status: r.status,
    studyInstanceUID: r.study_instance_uid,
    ...(r.accession_number !== null ? { accessionNumber: r.accession_number } : {}),
    attributes: r.attributes,
    revision: r.revision,
  };
}
