import type { Database } from '@tessera/database';
import { levelOfTag, parseTagKey, personNameValue, stringValue, tagKey, Tags, withPatientAttributes, type DicomJsonDataset } from '@tessera/dicom';
import { appendToOutbox, type OutboxEntry } from '@tessera/outbox';
import { FINAL_STEP_STATUSES, putWorklistItem, type ScheduledStepStatus, type WorklistItem } from '@tessera/worklist';
import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from 'typeorm';
import type { Hl7Store, Hl7Transaction, ImagingOrder, MessageKey, PatientIdentity, PatientMerge, PatientMergeRecord, ProcessedMessage, StoredPatient, UndoneMerge } from './hl7-store.port';

/** The HL7 store in PostgreSQL (or PGlite): hl7_message, the index's patient and study tables, imaging_order and worklist_item. */
export class TypeormHl7Store implements Hl7Store {
  constructor(private readonly db: Database) {}

  transaction<T>(work: (tx: Hl7Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction((manager) => work(new TypeormHl7Transaction(manager)));
  }
}

interface PatientRow {
  id: number;
  patient_id: string;
  issuer_of_patient_id: string;
  attributes: DicomJsonDataset;
  merged_into_fk: number | null;
}

class TypeormHl7Transaction implements Hl7Transaction {
  constructor(private readonly manager: EntityManager) {}

  async claimMessage(key: MessageKey): Promise<ProcessedMessage | undefined> {
    // A transaction-scoped lock on the key: a copy of the message processed at the same time waits
    // here until this transaction ends, then finds its record.
    await this.manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify(['hl7_message', key.tenant, key.sendingApplication, key.sendingFacility, key.controlId])]);
    const rows = (await this.manager.query(
      `SELECT message_type, content_sha256, effect FROM hl7_message
       WHERE tenant_id = $1 AND sending_application = $2 AND sending_facility = $3 AND control_id = $4`,
      [key.tenant, key.sendingApplication, key.sendingFacility, key.controlId],
    )) as { message_type: string; content_sha256: string; effect: Record<string, unknown> }[];
    const row = rows[0];
    return row ? { key, messageType: row.message_type, contentSha256: row.content_sha256, effect: row.effect } : undefined;
  }

  async recordMessage(message: ProcessedMessage): Promise<void> {
    const { key } = message;
    await this.manager.query(
      `INSERT INTO hl7_message (tenant_id, sending_application, sending_facility, control_id, message_type, content_sha256, effect)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [key.tenant, key.sendingApplication, key.sendingFacility, key.controlId, message.messageType, message.contentSha256, JSON.stringify(message.effect)],
    );
  }

  appendEvents(events: readonly OutboxEntry[]): Promise<void> {
    return appendToOutbox(this.manager, events);
  }

  async findPatient(tenant: string, identity: PatientIdentity): Promise<StoredPatient | undefined> {
    const row = await this.patientRow(tenant, identity);
    if (!row) return undefined;
    const studies = (await this.manager.query('SELECT study_instance_uid FROM study WHERE patient_fk = $1 ORDER BY study_instance_uid COLLATE "C"', [row.id])) as { study_instance_uid: string }[];
    let mergedInto: PatientIdentity | undefined;
    if (row.merged_into_fk !== null) {
      const [survivor] = (await this.manager.query('SELECT patient_id, issuer_of_patient_id FROM patient WHERE id = $1', [row.merged_into_fk])) as PatientRow[];
      if (survivor) mergedInto = { patientID: survivor.patient_id, issuerOfPatientID: survivor.issuer_of_patient_id };
    }
    return { identity, attributes: row.attributes, studyInstanceUIDs: studies.map((s) => s.study_instance_uid), ...(mergedInto ? { mergedInto } : {}) };
  }

  async savePatient(tenant: string, identity: PatientIdentity, attributes: DicomJsonDataset): Promise<void> {
    const [row] = (await this.manager.query(
      `INSERT INTO patient (tenant_id, patient_id, issuer_of_patient_id, patient_name, patient_birth_date, patient_sex, attributes, updated_at, ris_updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())
       ON CONFLICT (tenant_id, patient_id, issuer_of_patient_id) DO UPDATE SET
         patient_name = EXCLUDED.patient_name, patient_birth_date = EXCLUDED.patient_birth_date, patient_sex = EXCLUDED.patient_sex,
         attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at, ris_updated_at = EXCLUDED.updated_at
       RETURNING id`,
      [tenant, identity.patientID, identity.issuerOfPatientID, ...patientColumns(attributes), JSON.stringify(attributes)],
    )) as { id: number }[];
    const id = (row as { id: number }).id;
    await this.carryToStudies(tenant, id, attributes, id);
    await this.carryToWorklist(tenant, identity, attributes);
  }

  async mergePatient(tenant: string, prior: PatientIdentity, survivor: PatientIdentity): Promise<PatientMerge> {
    const from = await this.existing(tenant, prior);
    const to = await this.existing(tenant, survivor);
    const moved = await this.carryToStudies(tenant, to.id, to.attributes, from.id);
    // The patients merged into the prior one before follow it; an undo sends them back to it.
    const followers = (await this.manager.query('SELECT id FROM patient WHERE merged_into_fk = $1 ORDER BY id', [from.id])) as { id: number | string }[];
    await this.manager.query('UPDATE patient SET merged_into_fk = $2, updated_at = now() WHERE id = $1 OR merged_into_fk = $1', [from.id, to.id]);
    await this.carryToWorklist(tenant, prior, to.attributes);
    const orders = await this.carryToOrders(tenant, prior, survivor);
    const [merge] = (await this.manager.query(
      `INSERT INTO patient_merge (tenant_id, survivor_fk, prior_fk, prior_attributes, moved_study_instance_uids, moved_accession_numbers, follower_fks)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [tenant, to.id, from.id, JSON.stringify(from.attributes), moved, orders, followers.map((f) => String(f.id))],
    )) as { id: number | string }[];
    return { mergeId: String((merge as { id: number | string }).id), movedStudyInstanceUIDs: moved };
  }

  async listMerges(tenant: string): Promise<PatientMergeRecord[]> {
    const rows = (await this.manager.query(`${MERGES} WHERE m.tenant_id = $1 ORDER BY m.id DESC`, [tenant])) as MergeRow[];
    return rows.map(mergeRecord);
  }

  async findMerge(tenant: string, mergeId: string): Promise<PatientMergeRecord | undefined> {
    if (!/^\d{1,18}$/.test(mergeId)) return undefined;
    const rows = (await this.manager.query(`${MERGES} WHERE m.tenant_id = $1 AND m.id = $2 FOR UPDATE OF m`, [tenant, mergeId])) as MergeRow[];
    return rows[0] && mergeRecord(rows[0]);
  }

  async undoMerge(tenant: string, mergeId: string, now: Date): Promise<UndoneMerge> {
    const [merge] = (await this.manager.query(
      'SELECT prior_fk, survivor_fk, prior_attributes, moved_study_instance_uids, moved_accession_numbers, follower_fks FROM patient_merge WHERE tenant_id = $1 AND id = $2 AND undone_at IS NULL FOR UPDATE',
      [tenant, mergeId],
    )) as { prior_fk: number | string; survivor_fk: number | string; prior_attributes: DicomJsonDataset; moved_study_instance_uids: string[]; moved_accession_numbers: string[]; follower_fks: (number | string)[] }[];
    if (!merge) throw new Error(`no merge ${mergeId} to undo in tenant ${tenant}`);
    const [prior, survivor] = [Number(merge.prior_fk), Number(merge.survivor_fk)];
    const released = (await this.manager.query('WITH u AS (UPDATE patient SET merged_into_fk = NULL, updated_at = now() WHERE id = $1 AND merged_into_fk = $2 RETURNING patient_id, issuer_of_patient_id) SELECT * FROM u', [
      prior,
      survivor,
    ])) as PatientRow[];
    const priorRow = released[0];
    if (!priorRow) throw new Error(`the prior patient of merge ${mergeId} is no longer merged into its survivor`);
    await this.manager.query('UPDATE patient SET merged_into_fk = $1, updated_at = now() WHERE id = ANY($3::bigint[]) AND merged_into_fk = $2', [prior, survivor, merge.follower_fks.map(String)]);
    const studies = await this.carryToStudies(tenant, prior, merge.prior_attributes, survivor, merge.moved_study_instance_uids);
    const [survivorRow] = (await this.manager.query('SELECT patient_id, issuer_of_patient_id FROM patient WHERE id = $1', [survivor])) as PatientRow[];
    const priorIdentity = { patientID: priorRow.patient_id, issuerOfPatientID: priorRow.issuer_of_patient_id };
    const orders = (await this.manager.query(
      `WITH u AS (
         UPDATE imaging_order SET patient_id = $4, issuer_of_patient_id = $5, updated_at = now()
         WHERE tenant_id = $1 AND accession_number = ANY($6::text[]) AND patient_id = $2 AND issuer_of_patient_id = $3
         RETURNING accession_number, study_instance_uid, sps_id)
       SELECT * FROM u ORDER BY accession_number COLLATE "C"`,
      [tenant, survivorRow?.patient_id, survivorRow?.issuer_of_patient_id, priorIdentity.patientID, priorIdentity.issuerOfPatientID, merge.moved_accession_numbers],
    )) as { accession_number: string; study_instance_uid: string; sps_id: string }[];
    for (const order of orders) await this.carryToWorklistItem(tenant, order.study_instance_uid, order.sps_id, merge.prior_attributes);
    await this.manager.query('UPDATE patient_merge SET undone_at = $2 WHERE id = $1', [mergeId, now]);
    return { restoredStudyInstanceUIDs: studies, restoredAccessionNumbers: orders.map((o) => o.accession_number), priorAttributes: merge.prior_attributes };
  }

  async changePatientIdentity(tenant: string, from: PatientIdentity, to: PatientIdentity, attributes: DicomJsonDataset): Promise<void> {
    const row = await this.existing(tenant, from);
    await this.manager.query(
      `UPDATE patient SET patient_id = $2, issuer_of_patient_id = $3, patient_name = $4, patient_birth_date = $5, patient_sex = $6, attributes = $7,
         updated_at = now(), ris_updated_at = now()
       WHERE id = $1`,
      [row.id, to.patientID, to.issuerOfPatientID, ...patientColumns(attributes), JSON.stringify(attributes)],
    );
    await this.carryToStudies(tenant, row.id, attributes, row.id);
    await this.carryToWorklist(tenant, from, attributes);
    await this.carryToOrders(tenant, from, to);
  }

  async findOrder(tenant: string, accessionNumber: string): Promise<ImagingOrder | undefined> {
    const rows = (await this.manager.query(
      `SELECT placer_order_number, filler_order_number, study_instance_uid, sps_id, status, patient_id, issuer_of_patient_id
       FROM imaging_order WHERE tenant_id = $1 AND accession_number = $2 FOR UPDATE`,
      [tenant, accessionNumber],
    )) as { placer_order_number: string | null; filler_order_number: string | null; study_instance_uid: string; sps_id: string; status: ScheduledStepStatus; patient_id: string; issuer_of_patient_id: string }[];
    const r = rows[0];
    if (!r) return undefined;
    return {
      tenant,
      accessionNumber,
      ...(r.placer_order_number !== null ? { placerOrderNumber: r.placer_order_number } : {}),
      ...(r.filler_order_number !== null ? { fillerOrderNumber: r.filler_order_number } : {}),
      studyInstanceUID: r.study_instance_uid,
      scheduledProcedureStepID: r.sps_id,
      status: r.status,
      patient: { patientID: r.patient_id, issuerOfPatientID: r.issuer_of_patient_id },
    };
  }

  async saveOrder(order: ImagingOrder, item: WorklistItem): Promise<void> {
    await this.manager.query(
      `INSERT INTO imaging_order (tenant_id, accession_number, placer_order_number, filler_order_number, study_instance_uid, sps_id, status, patient_id, issuer_of_patient_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (tenant_id, accession_number) DO UPDATE SET
         placer_order_number = EXCLUDED.placer_order_number, filler_order_number = EXCLUDED.filler_order_number, study_instance_uid = EXCLUDED.study_instance_uid,
         sps_id = EXCLUDED.sps_id, status = EXCLUDED.status, patient_id = EXCLUDED.patient_id, issuer_of_patient_id = EXCLUDED.issuer_of_patient_id, updated_at = now()`,
      [
        order.tenant,
        order.accessionNumber,
        order.placerOrderNumber ?? null,
        order.fillerOrderNumber ?? null,
        order.studyInstanceUID,
        order.scheduledProcedureStepID,
        order.status,
        order.patient.patientID,
        order.patient.issuerOfPatientID,
      ],
    );
    await putWorklistItem(this.manager, item);
  }

  async setOrderStatus(order: ImagingOrder): Promise<WorklistItem | undefined> {
    await this.manager.query('UPDATE imaging_order SET status = $3, updated_at = now() WHERE tenant_id = $1 AND accession_number = $2', [order.tenant, order.accessionNumber, order.status]);
    // The status lives twice in a worklist item: its column (for matching) and its one Scheduled Procedure Step.
    const rows = (await this.manager.query(
      `WITH changed AS (
         UPDATE worklist_item SET sps_status = $4,
           attributes = jsonb_set(attributes, '{00400100,Value,0,00400020}', jsonb_build_object('vr', 'CS', 'Value', jsonb_build_array($4::text))),
           updated_at = now()
         WHERE tenant_id = $1 AND study_instance_uid = $2 AND sps_id = $3
         RETURNING attributes)
       SELECT attributes FROM changed`,
      [order.tenant, order.studyInstanceUID, order.scheduledProcedureStepID, order.status],
    )) as { attributes: DicomJsonDataset }[];
    const row = rows[0];
    return row ? { tenant: order.tenant, studyInstanceUID: order.studyInstanceUID, scheduledProcedureStepID: order.scheduledProcedureStepID, attributes: row.attributes } : undefined;
  }

  private async patientRow(tenant: string, identity: PatientIdentity): Promise<PatientRow | undefined> {
    const rows = (await this.manager.query(
      'SELECT id, patient_id, issuer_of_patient_id, attributes, merged_into_fk FROM patient WHERE tenant_id = $1 AND patient_id = $2 AND issuer_of_patient_id = $3 FOR UPDATE',
      [tenant, identity.patientID, identity.issuerOfPatientID],
    )) as PatientRow[];
    return rows[0];
  }

  private async existing(tenant: string, identity: PatientIdentity): Promise<PatientRow> {
    const row = await this.patientRow(tenant, identity);
    if (!row) throw new Error(`patient ${identity.patientID} (issuer "${identity.issuerOfPatientID}") does not exist`);
    return row;
  }

  /**
   * Gives the studies of patient `fromFk` the patient `patientFk` and its attributes: their
   * patient-level attributes are replaced, their own (Patient's Age, Size, Weight…) stay; only those
   * of `only`, if given. Returns their Study Instance UIDs.
   */
  private async carryToStudies(tenant: string, patientFk: number, patient: DicomJsonDataset, fromFk: number, only?: readonly string[]): Promise<string[]> {
    const studies = (await this.manager.query(
      'SELECT study_instance_uid, attributes FROM study WHERE patient_fk = $1 AND ($2::text[] IS NULL OR study_instance_uid = ANY($2::text[])) ORDER BY study_instance_uid COLLATE "C" FOR UPDATE',
      [fromFk, only ?? null],
    )) as {
      study_instance_uid: string;
      attributes: DicomJsonDataset;
    }[];
    const [name, birthDate, sex] = patientColumns(patient);
    for (const study of studies) {
      const own = Object.fromEntries(Object.entries(study.attributes).filter(([key]) => levelOfTag(parseTagKey(key) ?? 0) !== 'PATIENT'));
      await this.manager.query(
        `UPDATE study SET patient_fk = $3, attributes = $4, patient_name = $5, patient_id = $6, patient_birth_date = $7, patient_sex = $8, updated_at = now()
         WHERE tenant_id = $1 AND study_instance_uid = $2`,
        [tenant, study.study_instance_uid, patientFk, JSON.stringify(sortedKeys({ ...own, ...patient })), name, stringValue(patient, tagKey(Tags.PatientID)) ?? null, birthDate, sex],
      );
    }
    return studies.map((s) => s.study_instance_uid);
  }

  /**
   * Gives the worklist items of patient `of` that are not over yet these patient attributes (which
   * may name another patient), so that a modality asking the worklist gets the current demographics.
   */
  private async carryToWorklist(tenant: string, of: PatientIdentity, patient: DicomJsonDataset): Promise<void> {
    const items = (await this.manager.query(
      `SELECT study_instance_uid, sps_id, attributes FROM worklist_item
       WHERE tenant_id = $1 AND patient_id = $2 AND NOT (sps_status = ANY($3::text[])) ORDER BY study_instance_uid, sps_id FOR UPDATE`,
      [tenant, of.patientID, [...FINAL_STEP_STATUSES]],
    )) as { study_instance_uid: string; sps_id: string; attributes: DicomJsonDataset }[];
    for (const item of items) {
      if ((stringValue(item.attributes, tagKey(Tags.IssuerOfPatientID)) ?? '') !== of.issuerOfPatientID) continue;
      const attributes = withPatientAttributes(item.attributes, patient);
      if (isDeepStrictEqual(attributes, item.attributes)) continue;
      await putWorklistItem(this.manager, { tenant, studyInstanceUID: item.study_instance_uid, scheduledProcedureStepID: item.sps_id, attributes });
    }
  }

  /** The orders of patient `from` are for patient `to` from now on; returns their Accession Numbers. */
  private async carryToOrders(tenant: string, from: PatientIdentity, to: PatientIdentity): Promise<string[]> {
    const rows = (await this.manager.query(
      `WITH u AS (
         UPDATE imaging_order SET patient_id = $4, issuer_of_patient_id = $5, updated_at = now() WHERE tenant_id = $1 AND patient_id = $2 AND issuer_of_patient_id = $3
         RETURNING accession_number)
       SELECT accession_number FROM u ORDER BY accession_number COLLATE "C"`,
      [tenant, from.patientID, from.issuerOfPatientID, to.patientID, to.issuerOfPatientID],
    )) as { accession_number: string }[];
    return rows.map((r) => r.accession_number);
  }

  /** Gives one worklist item, if it is not over yet, these patient attributes. */
  private async carryToWorklistItem(tenant: string, studyInstanceUID: string, spsId: string, patient: DicomJsonDataset): Promise<void> {
    const [item] = (await this.manager.query('SELECT attributes FROM worklist_item WHERE tenant_id = $1 AND study_instance_uid = $2 AND sps_id = $3 AND NOT (sps_status = ANY($4::text[])) FOR UPDATE', [
      tenant,
      studyInstanceUID,
      spsId,
      [...FINAL_STEP_STATUSES],
    ])) as { attributes: DicomJsonDataset }[];
    if (!item) return;
    await putWorklistItem(this.manager, { tenant, studyInstanceUID, scheduledProcedureStepID: spsId, attributes: withPatientAttributes(item.attributes, patient) });
  }
}

interface MergeRow {
  id: number | string;
  prior_id: string;
  prior_issuer: string;
  survivor_id: string;
  survivor_issuer: string;
  moved_study_instance_uids: string[];
  moved_accession_numbers: string[];
  merged_at: Date;
  undone_at: Date | null;
}
const MERGES = `SELECT m.id, p.patient_id AS prior_id, p.issuer_of_patient_id AS prior_issuer, s.patient_id AS survivor_id, s.issuer_of_patient_id AS survivor_issuer,
    m.moved_study_instance_uids, m.moved_accession_numbers, m.merged_at, m.undone_at
  FROM patient_merge m JOIN patient p ON p.id = m.prior_fk JOIN patient s ON s.id = m.survivor_fk`;
const mergeRecord = (r: MergeRow): PatientMergeRecord => ({
  mergeId: String(r.id),
  prior: { patientID: r.prior_id, issuerOfPatientID: r.prior_issuer },
  survivor: { patientID: r.survivor_id, issuerOfPatientID: r.survivor_issuer },
  movedStudyInstanceUIDs: r.moved_study_instance_uids,
  movedAccessionNumbers: r.moved_accession_numbers,
  mergedAt: new Date(r.merged_at),
  ...(r.undone_at !== null ? { undoneAt: new Date(r.undone_at) } : {}),
});

// The patient row's and the study row's matching columns.
function patientColumns(attributes: DicomJsonDataset): [string | null, string | null, string | null] {
  return [
    personNameValue(attributes, tagKey(Tags.PatientName))?.Alphabetic ?? null,
    stringValue(attributes, tagKey(Tags.PatientBirthDate)) ?? null,
    stringValue(attributes, tagKey(Tags.PatientSex)) ?? null,
  ];
}

// PS3.18 F.2.1.1: attributes in ascending tag order.
function sortedKeys(ds: DicomJsonDataset): DicomJsonDataset {
  return Object.fromEntries(Object.entries(ds).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
