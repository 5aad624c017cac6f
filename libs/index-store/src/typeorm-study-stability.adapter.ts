import type { Database } from '@tessera/database';
import { stringValue, type DicomJsonDataset } from '@tessera/dicom';
import { appendToOutbox, type OutboxEntry } from '@tessera/outbox';
import type { EntityManager } from 'typeorm';
import type { MatchedOrder, SettledStudy, StudyStability } from './study-stability.port';

interface DueRow {
  tenant_id: string;
  study_instance_uid: string;
  last_instance_at: Date;
  accession_number: string | null;
  modalities_in_study: string[];
  number_of_series: number;
  number_of_instances: number;
  patient_id: string;
  issuer_of_patient_id: string;
  attributes: DicomJsonDataset;
}

interface OrderRow {
  accession_number: string;
  placer_order_number: string | null;
  filler_order_number: string | null;
  study_instance_uid: string;
  sps_id: string;
  status: string;
  matched_study_instance_uid: string | null;
  patient_id: string;
  issuer_of_patient_id: string;
  item: DicomJsonDataset | null;
}

/** Study stability in PostgreSQL (or PGlite): the deadlines of study_stability, which the index keeps. */
export class TypeormStudyStability implements StudyStability {
  constructor(private readonly db: Database) {}

  settle(now: Date, limit: number, announce: (study: SettledStudy) => readonly OutboxEntry[]): Promise<SettledStudy[]> {
    return this.db.transaction(async (manager) => {
      // SKIP LOCKED: a study another replica is announcing is left to it.
      const rows = (await manager.query(
        `SELECT ss.tenant_id, ss.study_instance_uid, ss.last_instance_at, st.accession_number, st.modalities_in_study, st.number_of_series, st.number_of_instances,
                p.patient_id, p.issuer_of_patient_id, p.attributes
         FROM study_stability ss
         JOIN study st ON st.tenant_id = ss.tenant_id AND st.study_instance_uid = ss.study_instance_uid
         JOIN patient p ON p.id = st.patient_fk
         WHERE ss.announced_at IS NULL AND ss.stable_at <= $1
         ORDER BY ss.stable_at LIMIT $2
         FOR UPDATE OF ss SKIP LOCKED`,
        [now, limit],
      )) as DueRow[];
      const settled: SettledStudy[] = [];
      for (const row of rows) {
        const order = await matchedOrder(manager, row, now);
        const study: SettledStudy = {
          tenant: row.tenant_id,
          studyInstanceUID: row.study_instance_uid,
          ...(row.accession_number ? { accessionNumber: row.accession_number } : {}),
          patient: { patientID: row.patient_id, issuerOfPatientID: row.issuer_of_patient_id },
          patientAttributes: row.attributes,
          modalitiesInStudy: row.modalities_in_study,
          numberOfSeries: row.number_of_series,
          numberOfInstances: row.number_of_instances,
          lastInstanceAt: new Date(row.last_instance_at),
          ...(order ? { order } : {}),
        };
        await appendToOutbox(manager, announce(study));
        await manager.query('UPDATE study_stability SET announced_at = $3 WHERE tenant_id = $1 AND study_instance_uid = $2', [row.tenant_id, row.study_instance_uid, now]);
        settled.push(study);
      }
      return settled;
    });
  }
}

// The order the study was matched to on arrival; or, for an order placed after its study arrived, the
// order with its Accession Number that no study has yet, which is matched now.
async function matchedOrder(manager: EntityManager, study: DueRow, now: Date): Promise<MatchedOrder | undefined> {
  const [row] = (await manager.query(
    `SELECT o.accession_number, o.placer_order_number, o.filler_order_number, o.study_instance_uid, o.sps_id, o.status, o.matched_study_instance_uid, o.patient_id, o.issuer_of_patient_id, w.attributes AS item
     FROM imaging_order o
     LEFT JOIN worklist_item w ON w.tenant_id = o.tenant_id AND w.study_instance_uid = o.study_instance_uid AND w.sps_id = o.sps_id
     WHERE o.tenant_id = $1 AND (o.matched_study_instance_uid = $2 OR (o.matched_study_instance_uid IS NULL AND o.accession_number = $3))
     ORDER BY o.matched_study_instance_uid IS NULL LIMIT 1 FOR UPDATE OF o`,
    [study.tenant_id, study.study_instance_uid, study.accession_number],
  )) as OrderRow[];
  if (!row) return undefined;
  if (row.matched_study_instance_uid === null) {
    await manager.query('UPDATE imaging_order SET matched_study_instance_uid = $3, matched_at = $4 WHERE tenant_id = $1 AND accession_number = $2', [study.tenant_id, row.accession_number, study.study_instance_uid, now]);
  }
  const requestedProcedureID = row.item ? stringValue(row.item, '00401001') : undefined;
  const requestedProcedureDescription = row.item ? stringValue(row.item, '00321060') : undefined;
  return {
    accessionNumber: row.accession_number,
    ...(row.placer_order_number ? { placerOrderNumber: row.placer_order_number } : {}),
    ...(row.filler_order_number ? { fillerOrderNumber: row.filler_order_number } : {}),
    ...(requestedProcedureID ? { requestedProcedureID } : {}),
    ...(requestedProcedureDescription ? { requestedProcedureDescription } : {}),
    scheduledProcedureStepID: row.sps_id,
    studyInstanceUID: row.study_instance_uid,
    status: row.status,
    patient: { patientID: row.patient_id, issuerOfPatientID: row.issuer_of_patient_id },
  };
}
