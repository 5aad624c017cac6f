import { splitByLevel, withPatientAttributes, stringValue, personNameValue, numberValue, tagKey, Tags, type DicomJsonDataset, type QueryModel } from '@tessera/dicom';
import { lockPatients, type Database } from '@tessera/database';
import type { EntityManager } from 'typeorm';
import type { IndexedInstance, IndexOutcome, InstanceIndex, InstanceRecord, Page, PatientRecord, SearchScope, SeriesRecord, StudyRecord } from './instance-index.port';
import { aliasOf, Params, sqlCondition, sqlPatientCondition, type Alias } from './sql-match';

interface StudyRow {
  st_attributes: DicomJsonDataset;
  modalities_in_study: string[];
  sop_classes_in_study: string[];
  number_of_series: number;
  st_number_of_instances: number;
}
interface SeriesRow extends StudyRow {
  se_attributes: DicomJsonDataset;
  se_number_of_instances: number;
}
interface InstanceRow extends SeriesRow {
  metadata: DicomJsonDataset;
  transfer_syntax_uid: string;
}

const STUDY_SELECT = 'st.attributes AS st_attributes, st.modalities_in_study, st.sop_classes_in_study, st.number_of_series, st.number_of_instances AS st_number_of_instances';
const SERIES_SELECT = `${STUDY_SELECT}, se.attributes AS se_attributes, se.number_of_instances AS se_number_of_instances`;

/** How the index times studies. */
export interface IndexOptions {
  /** A study that takes in no new instance for this long is stable (its deadline); default 60 s. */
  readonly studyStableAfterMs?: number;
}

/**
 * The index in PostgreSQL (or PGlite): tables patient, study, series and instance; with each study's
 * stability deadline (study_stability) and its link to its order (imaging_order), kept as instances arrive.
 */
export class TypeormInstanceIndex implements InstanceIndex {
  private readonly stableAfterMs: number;

  constructor(
    private readonly db: Database,
    options: IndexOptions = {},
  ) {
    this.stableAfterMs = options.studyStableAfterMs ?? 60_000;
  }

  async index(instance: IndexedInstance): Promise<IndexOutcome> {
    return (await this.indexMany([instance]))[0] as IndexOutcome;
  }

  // One transaction for the batch. Each instance is looked up first; a new one adds its row and counts,
  // which are written together at the end: one INSERT for the instance rows, one UPDATE per series and
  // study touched. Patient, study and series rows are upserted once per batch unless an instance brings
  // other attributes. An instance stored again (another object for its SOP Instance UID) may have moved
  // to another study or series, so the batch so far is written and both studies are recounted.
  async indexMany(instances: readonly IndexedInstance[]): Promise<IndexOutcome[]> {
    if (instances.length === 0) return [];
    return this.db.transaction(async (manager) => {
      // Not while one of these patients is being erased; and not an instance whose object an erasure
      // has claimed (stored before it, but reaching the index after it): its rows would outlive the
      // patient, and point at an object that is deleted.
      await lockPatients(manager, instances.map((i) => ({ tenant: i.tenant, patientID: text(i.metadata, Tags.PatientID) ?? '', issuerOfPatientID: text(i.metadata, Tags.IssuerOfPatientID) ?? '' })), 'shared');
      const erased = await objectsClaimedByErasures(manager, instances);
      const known = await existingInstances(manager, instances);
      const batch = new PendingBatch();
      const results: IndexOutcome[] = [];
      for (const instance of instances) {
        if (erased.has(instance.objectKey)) {
          results.push('erased');
          continue;
        }
        const key = `${instance.tenant}\u0000${instance.sopInstanceUID}`;
        const existing = known.get(key);
        if (existing && existing.datasetSha256 === instance.datasetSha256 && existing.objectKey === instance.objectKey) {
          results.push('unchanged');
          continue;
        }
        known.set(key, { datasetSha256: instance.datasetSha256, objectKey: instance.objectKey, studyInstanceUID: instance.studyInstanceUID });
        const levels = splitByLevel(instance.metadata);
        const now = new Date();
        const patient = await batch.patient(manager, instance, levels.patient, now);
        await batch.study(manager, instance, withPatientAttributes(levels.study, patient.attributes), patient.id, now);
        const seriesCreated = await batch.series(manager, instance, levels.series, now);
        batch.touch(instance, now);
        if (existing) {
          // A moved or replaced instance: what is pending first, then this one, then recount.
          await batch.flush(manager);
          await insertInstances(manager, [{ instance, indexedAt: now }]);
          await recount(manager, instance.tenant, instance.studyInstanceUID);
          if (existing.studyInstanceUID !== instance.studyInstanceUID) await recount(manager, instance.tenant, existing.studyInstanceUID);
        } else batch.add(instance, text(levels.series, Tags.Modality), seriesCreated, now);
        results.push('indexed');
      }
      await batch.flush(manager);
      await settleLater(manager, batch.touchedStudies, this.stableAfterMs);
      return results;
    });
  }

  async searchPatients(tenant: string, query: QueryModel, pageSize: number): Promise<Page<PatientRecord>> {
    const params = new Params();
    const where = [`p.tenant_id = ${params.add(tenant)}`, /* a patient merged into another (ADT^A40) is no match */ 'p.merged_into_fk IS NULL', ...query.keys.map((k) => sqlPatientCondition(k, params))];
    const rows = (await this.page(
      `SELECT p.attributes,
         (SELECT count(*) FROM study s WHERE s.patient_fk = p.id) AS number_of_studies,
         (SELECT coalesce(sum(s.number_of_series), 0) FROM study s WHERE s.patient_fk = p.id) AS number_of_series,
         (SELECT coalesce(sum(s.number_of_instances), 0) FROM study s WHERE s.patient_fk = p.id) AS number_of_instances
       FROM patient p WHERE ${where.join(' AND ')} ORDER BY p.patient_id COLLATE "C", p.issuer_of_patient_id COLLATE "C"`,
      params,
      query,
      pageSize,
    )) as { attributes: DicomJsonDataset; number_of_studies: number | string; number_of_series: number | string; number_of_instances: number | string }[];
    return pageOf(rows, query, pageSize, (r) => ({
      attributes: r.attributes,
      numberOfStudies: Number(r.number_of_studies),
      numberOfSeries: Number(r.number_of_series),
      numberOfInstances: Number(r.number_of_instances),
    }));
  }

  async searchStudies(tenant: string, query: QueryModel, pageSize: number): Promise<Page<StudyRecord>> {
    const params = new Params();
    const where = [`st.tenant_id = ${params.add(tenant)}`, ...conditions(query, params)];
    const rows = (await this.page(
      `SELECT ${STUDY_SELECT} FROM study st WHERE ${where.join(' AND ')} ORDER BY st.study_instance_uid COLLATE "C"`,
      params,
      query,
      pageSize,
    )) as StudyRow[];
    return pageOf(rows, query, pageSize, studyRecord);
  }

  async searchSeries(tenant: string, query: QueryModel, scope: SearchScope, pageSize: number): Promise<Page<SeriesRecord>> {
    const params = new Params();
    const where = [`se.tenant_id = ${params.add(tenant)}`, ...scopeConditions(scope, params), ...conditions(query, params)];
    const rows = (await this.page(
      `SELECT ${SERIES_SELECT} FROM series se JOIN study st ON st.tenant_id = se.tenant_id AND st.study_instance_uid = se.study_instance_uid
       WHERE ${where.join(' AND ')} ORDER BY st.study_instance_uid COLLATE "C", se.series_number NULLS LAST, se.series_instance_uid COLLATE "C"`,
      params,
      query,
      pageSize,
    )) as SeriesRow[];
    return pageOf(rows, query, pageSize, seriesRecord);
  }

  async searchInstances(tenant: string, query: QueryModel, scope: SearchScope, pageSize: number): Promise<Page<InstanceRecord>> {
    const params = new Params();
    const where = [`i.tenant_id = ${params.add(tenant)}`, ...scopeConditions(scope, params), ...conditions(query, params)];
    const rows = (await this.page(
      `SELECT ${SERIES_SELECT}, i.metadata, i.transfer_syntax_uid FROM instance i
       JOIN series se ON se.tenant_id = i.tenant_id AND se.series_instance_uid = i.series_instance_uid
       JOIN study st ON st.tenant_id = i.tenant_id AND st.study_instance_uid = i.study_instance_uid
       WHERE ${where.join(' AND ')}
       ORDER BY st.study_instance_uid COLLATE "C", se.series_number NULLS LAST, se.series_instance_uid COLLATE "C", i.instance_number NULLS LAST, i.sop_instance_uid COLLATE "C"`,
      params,
      query,
      pageSize,
    )) as InstanceRow[];
    return pageOf(rows, query, pageSize, (r) => ({ series: seriesRecord(r), metadata: r.metadata, transferSyntaxUID: r.transfer_syntax_uid }));
  }

  async currentPatients(tenant: string, studyInstanceUIDs: readonly string[]): Promise<Map<string, DicomJsonDataset>> {
    if (studyInstanceUIDs.length === 0) return new Map();
    const rows = (await this.db.dataSource.query(
      // Only where the RIS has spoken (ADT, which merges are too): the demographics of instances alone
      // are what the instances carry already, and an object goes out byte for byte as stored.
      'SELECT st.study_instance_uid, p.attributes FROM study st JOIN patient p ON p.id = st.patient_fk WHERE st.tenant_id = $1 AND st.study_instance_uid = ANY($2::text[]) AND p.ris_updated_at IS NOT NULL',
      [tenant, [...studyInstanceUIDs]],
    )) as { study_instance_uid: string; attributes: DicomJsonDataset }[];
    return new Map(rows.map((r) => [r.study_instance_uid, r.attributes]));
  }

  async metadata(tenant: string, scope: { study: string; series?: string; instance?: string }): Promise<DicomJsonDataset[]> {
    const params = new Params();
    const where = [`i.tenant_id = ${params.add(tenant)}`, `i.study_instance_uid = ${params.add(scope.study)}`];
    if (scope.series !== undefined) where.push(`i.series_instance_uid = ${params.add(scope.series)}`);
    if (scope.instance !== undefined) where.push(`i.sop_instance_uid = ${params.add(scope.instance)}`);
    const rows = (await this.db.dataSource.query(
      `SELECT i.metadata FROM instance i JOIN series se ON se.tenant_id = i.tenant_id AND se.series_instance_uid = i.series_instance_uid
       WHERE ${where.join(' AND ')}
       ORDER BY se.series_number NULLS LAST, se.series_instance_uid COLLATE "C", i.instance_number NULLS LAST, i.sop_instance_uid COLLATE "C"`,
      params.values,
    )) as { metadata: DicomJsonDataset }[];
    return rows.map((r) => r.metadata);
  }

  private page(sql: string, params: Params, query: QueryModel, pageSize: number): Promise<unknown[]> {
    const limit = Math.min(query.limit ?? pageSize, pageSize);
    return this.db.dataSource.query(`${sql} LIMIT ${params.add(limit + 1)} OFFSET ${params.add(query.offset)}`, params.values);
  }
}

function conditions(query: QueryModel, params: Params): string[] {
  return query.keys.map((k) => sqlCondition(k, params));
}

function scopeConditions(scope: SearchScope, params: Params): string[] {
  const out: string[] = [];
  const at = (alias: Alias, column: string, value: string): string => `${alias}.${column} = ${params.add(value)}`;
  if (scope.study !== undefined) out.push(at(aliasOf(Tags.StudyInstanceUID), 'study_instance_uid', scope.study));
  if (scope.series !== undefined) out.push(at(aliasOf(Tags.SeriesInstanceUID), 'series_instance_uid', scope.series));
  return out;
}

function pageOf<R, T>(rows: R[], query: QueryModel, pageSize: number, map: (row: R) => T): Page<T> {
  const limit = Math.min(query.limit ?? pageSize, pageSize);
  // The cap is announced only when the server's cap (not the client's own limit) cut the results short.
  return { items: rows.slice(0, limit).map(map), truncated: rows.length > limit && (query.limit === undefined || query.limit > pageSize) };
}

function studyRecord(r: StudyRow): StudyRecord {
  return {
    attributes: r.st_attributes,
    modalitiesInStudy: r.modalities_in_study,
    sopClassesInStudy: r.sop_classes_in_study,
    numberOfSeries: r.number_of_series,
    numberOfInstances: r.st_number_of_instances,
  };
}

function seriesRecord(r: SeriesRow): SeriesRecord {
  return { study: studyRecord(r), attributes: r.se_attributes, numberOfInstances: r.se_number_of_instances };
}

function intValue(dataset: DicomJsonDataset, tag: number): number | null {
  const n = numberValue(dataset, tagKey(tag));
  return n !== undefined && Number.isInteger(n) && Math.abs(n) < 2 ** 31 ? n : null;
}

function text(dataset: DicomJsonDataset, tag: number): string | null {
  return stringValue(dataset, tagKey(tag)) ?? null;
}

function personName(dataset: DicomJsonDataset, tag: number): string | null {
  return personNameValue(dataset, tagKey(tag))?.Alphabetic ?? null;
}

/** The patient an instance is indexed under, and the patient-level attributes its study carries. */
interface PatientOfInstance {
  readonly id: number;
  readonly attributes: DicomJsonDataset;
}

// The patient and study rows are rewritten only when an instance brings different attributes: most
// instances of a study repeat them, and a no-op update still writes a new row version and its WAL.
// (ON CONFLICT DO UPDATE locks the row whether or not its WHERE lets the update happen.)
// Once the RIS has spoken for a patient (ris_updated_at, set by ADT), or the patient was merged into
// another one (ADT^A40), an instance's demographics no longer replace the record's: the instance is
// indexed under the surviving patient, and its study carries that patient's current attributes.
async function upsertPatient(manager: EntityManager, instance: IndexedInstance, patient: DicomJsonDataset, now: Date): Promise<PatientOfInstance> {
  const key = [instance.tenant, text(patient, Tags.PatientID) ?? '', text(patient, Tags.IssuerOfPatientID) ?? ''];
  const [row] = (await manager.query(
    `WITH upserted AS (
       INSERT INTO patient (tenant_id, patient_id, issuer_of_patient_id, patient_name, patient_birth_date, patient_sex, attributes, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id, patient_id, issuer_of_patient_id) DO UPDATE SET
         patient_name = EXCLUDED.patient_name, patient_birth_date = EXCLUDED.patient_birth_date, patient_sex = EXCLUDED.patient_sex,
         attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at
       WHERE patient.ris_updated_at IS NULL AND patient.merged_into_fk IS NULL
         AND (patient.patient_name, patient.patient_birth_date, patient.patient_sex, patient.attributes)
             IS DISTINCT FROM (EXCLUDED.patient_name, EXCLUDED.patient_birth_date, EXCLUDED.patient_sex, EXCLUDED.attributes)
       RETURNING id)
     SELECT id FROM upserted
     UNION ALL SELECT id FROM patient WHERE tenant_id = $1 AND patient_id = $2 AND issuer_of_patient_id = $3 AND NOT EXISTS (SELECT 1 FROM upserted)`,
    [...key, personName(patient, Tags.PatientName), text(patient, Tags.PatientBirthDate), text(patient, Tags.PatientSex), JSON.stringify(patient), now],
  )) as { id: number }[];
  // Without a row, it was committed by another transaction after this statement's snapshot was taken
  // (the insert waited for it): a new statement sees it. The patient the instance goes to is read
  // locked (FOR SHARE), so that an ADT message changing it at the same time waits for this transaction
  // and then finds this instance's study, or this one waits and reads what it wrote.
  const [resolved] = (await manager.query(
    `SELECT s.id, s.attributes, (s.id <> p.id OR s.ris_updated_at IS NOT NULL) AS record_wins
     FROM patient p JOIN patient s ON s.id = coalesce(p.merged_into_fk, p.id)
     WHERE ${row ? 'p.id = $1' : 'p.tenant_id = $1 AND p.patient_id = $2 AND p.issuer_of_patient_id = $3'} FOR SHARE OF s`,
    row ? [row.id] : key,
  )) as { id: number | string; attributes: DicomJsonDataset; record_wins: boolean }[];
  const found = resolved as { id: number | string; attributes: DicomJsonDataset; record_wins: boolean };
  return { id: Number(found.id), attributes: found.record_wins ? found.attributes : patient };
}

async function upsertStudy(manager: EntityManager, instance: IndexedInstance, study: DicomJsonDataset, patientFk: number, now: Date): Promise<void> {
  await manager.query(
    `INSERT INTO study (tenant_id, study_instance_uid, patient_fk, study_date, study_time, accession_number, study_id, study_description,
                        referring_physician_name, patient_name, patient_id, patient_birth_date, patient_sex, attributes, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
     ON CONFLICT (tenant_id, study_instance_uid) DO UPDATE SET
       patient_fk = EXCLUDED.patient_fk, study_date = EXCLUDED.study_date, study_time = EXCLUDED.study_time, accession_number = EXCLUDED.accession_number,
       study_id = EXCLUDED.study_id, study_description = EXCLUDED.study_description, referring_physician_name = EXCLUDED.referring_physician_name,
       patient_name = EXCLUDED.patient_name, patient_id = EXCLUDED.patient_id, patient_birth_date = EXCLUDED.patient_birth_date,
       patient_sex = EXCLUDED.patient_sex, attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at
     WHERE (study.patient_fk, study.attributes) IS DISTINCT FROM (EXCLUDED.patient_fk, EXCLUDED.attributes)`,
    [
      instance.tenant,
      instance.studyInstanceUID,
      patientFk,
      text(study, Tags.StudyDate),
      text(study, Tags.StudyTime),
      text(study, Tags.AccessionNumber),
      text(study, Tags.StudyID),
      text(study, Tags.StudyDescription),
      personName(study, Tags.ReferringPhysicianName),
      personName(study, Tags.PatientName),
      text(study, Tags.PatientID),
      text(study, Tags.PatientBirthDate),
      text(study, Tags.PatientSex),
      JSON.stringify(study),
      now,
    ],
  );
}

// A study takes its order when it arrives: the order of its tenant with its Accession Number, unless
// that order was matched to another study before (IHE RAD TF-1 4.1: the accession number ties the
// images to the order; the order may have scheduled another Study Instance UID than the modality used).
async function matchOrder(manager: EntityManager, instance: IndexedInstance, accessionNumber: string | null, now: Date): Promise<void> {
  if (!accessionNumber) return;
  await manager.query(
    `UPDATE imaging_order SET matched_study_instance_uid = $3, matched_at = $4
     WHERE tenant_id = $1 AND accession_number = $2 AND matched_study_instance_uid IS NULL`,
    [instance.tenant, accessionNumber, instance.studyInstanceUID, now],
  );
}

// Each study that took in instances gets its deadline moved, and is to be announced again.
async function settleLater(manager: EntityManager, studies: ReadonlyMap<string, { tenant: string; uid: string; at: Date }>, stableAfterMs: number): Promise<void> {
  for (const s of studies.values()) {
    await manager.query(
      `INSERT INTO study_stability (tenant_id, study_instance_uid, last_instance_at, stable_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, study_instance_uid) DO UPDATE SET
         last_instance_at = greatest(study_stability.last_instance_at, EXCLUDED.last_instance_at),
         stable_at = EXCLUDED.stable_at, announced_at = NULL`,
      [s.tenant, s.uid, s.at, new Date(s.at.getTime() + stableAfterMs)],
    );
  }
}

/** Inserts the series, or updates its attributes if they changed (not its count); returns whether it is new. */
async function upsertSeries(manager: EntityManager, instance: IndexedInstance, series: DicomJsonDataset, now: Date): Promise<boolean> {
  const [row] = (await manager.query(
    `INSERT INTO series (tenant_id, series_instance_uid, study_instance_uid, modality, series_number, series_description,
                         performed_procedure_step_start_date, performed_procedure_step_start_time, attributes, created_at, updated_at, number_of_instances)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
     ON CONFLICT (tenant_id, series_instance_uid) DO UPDATE SET
       modality = EXCLUDED.modality, series_number = EXCLUDED.series_number, series_description = EXCLUDED.series_description,
       performed_procedure_step_start_date = EXCLUDED.performed_procedure_step_start_date,
       performed_procedure_step_start_time = EXCLUDED.performed_procedure_step_start_time,
       attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at
     WHERE series.attributes IS DISTINCT FROM EXCLUDED.attributes
     RETURNING (xmax = 0) AS created`,
    [
      instance.tenant,
      instance.seriesInstanceUID,
      instance.studyInstanceUID,
      text(series, Tags.Modality),
      intValue(series, Tags.SeriesNumber),
      text(series, Tags.SeriesDescription),
      text(series, Tags.PerformedProcedureStepStartDate),
      text(series, Tags.PerformedProcedureStepStartTime),
      JSON.stringify(series),
      now,
      0,
    ],
  )) as { created: boolean }[];
  return row?.created === true;
}

/** What the instances of a batch add, kept until they are written together. */
class PendingBatch {
  private readonly patients = new Map<string, { json: string; patient: PatientOfInstance }>();
  private readonly studies = new Map<string, string>();
  private readonly seriesSeen = new Map<string, string>();
  private rows: { instance: IndexedInstance; indexedAt: Date }[] = [];
  /** Per study the batch brought instances to: its tenant, UID and the time of its latest instance. */
  readonly touchedStudies = new Map<string, { tenant: string; uid: string; at: Date }>();
  // Per series: instances added; per study: instances, new series, modalities and SOP classes added.
  private seriesCounts = new Map<string, { tenant: string; uid: string; added: number }>();
  private studyCounts = new Map<string, { tenant: string; uid: string; instances: number; series: number; modalities: Set<string>; sopClasses: Set<string> }>();

  async patient(manager: EntityManager, instance: IndexedInstance, attributes: DicomJsonDataset, now: Date): Promise<PatientOfInstance> {
    const key = `${instance.tenant}\u0000${text(attributes, Tags.PatientID) ?? ''}\u0000${text(attributes, Tags.IssuerOfPatientID) ?? ''}`;
    const json = JSON.stringify(attributes);
    const cached = this.patients.get(key);
    if (cached?.json === json) return cached.patient;
    const patient = await upsertPatient(manager, instance, attributes, now);
    this.patients.set(key, { json, patient });
    return patient;
  }

  async study(manager: EntityManager, instance: IndexedInstance, attributes: DicomJsonDataset, patientFk: number, now: Date): Promise<void> {
    const key = `${instance.tenant}\u0000${instance.studyInstanceUID}`;
    const json = `${patientFk}\u0000${JSON.stringify(attributes)}`;
    if (this.studies.get(key) === json) return;
    await upsertStudy(manager, instance, attributes, patientFk, now);
    await matchOrder(manager, instance, text(attributes, Tags.AccessionNumber), now);
    this.studies.set(key, json);
  }

  /** Upserts the series' attributes (not its count); true when the series is new. */
  async series(manager: EntityManager, instance: IndexedInstance, attributes: DicomJsonDataset, now: Date): Promise<boolean> {
    const key = `${instance.tenant}\u0000${instance.seriesInstanceUID}`;
    const json = `${instance.studyInstanceUID}\u0000${JSON.stringify(attributes)}`;
    if (this.seriesSeen.get(key) === json) return false;
    const created = await upsertSeries(manager, instance, attributes, now);
    this.seriesSeen.set(key, json);
    return created;
  }

  touch(instance: IndexedInstance, at: Date): void {
    this.touchedStudies.set(`${instance.tenant}\u0000${instance.studyInstanceUID}`, { tenant: instance.tenant, uid: instance.studyInstanceUID, at });
  }

  add(instance: IndexedInstance, modality: string | null, seriesCreated: boolean, indexedAt: Date): void {
    this.rows.push({ instance, indexedAt });
    const seriesKey = `${instance.tenant}\u0000${instance.seriesInstanceUID}`;
    const series = this.seriesCounts.get(seriesKey) ?? { tenant: instance.tenant, uid: instance.seriesInstanceUID, added: 0 };
    series.added += 1;
    this.seriesCounts.set(seriesKey, series);
    const studyKey = `${instance.tenant}\u0000${instance.studyInstanceUID}`;
    const study = this.studyCounts.get(studyKey) ?? { tenant: instance.tenant, uid: instance.studyInstanceUID, instances: 0, series: 0, modalities: new Set<string>(), sopClasses: new Set<string>() };
    study.instances += 1;
    if (seriesCreated) study.series += 1;
    if (modality) study.modalities.add(modality);
    study.sopClasses.add(instance.sopClassUID);
    this.studyCounts.set(studyKey, study);
  }

  /** Writes the pending instance rows and counts. */
  async flush(manager: EntityManager): Promise<void> {
    if (this.rows.length > 0) await insertInstances(manager, this.rows);
    for (const s of this.seriesCounts.values()) {
      await manager.query('UPDATE series SET number_of_instances = number_of_instances + $3 WHERE tenant_id = $1 AND series_instance_uid = $2', [s.tenant, s.uid, s.added]);
    }
    // The study's modality and SOP class lists gain what they lack, kept sorted.
    for (const s of this.studyCounts.values()) {
      await manager.query(
        `UPDATE study SET
           number_of_instances = number_of_instances + $3,
           number_of_series = number_of_series + $4,
           modalities_in_study = ARRAY(SELECT DISTINCT m COLLATE "C" AS m FROM unnest(modalities_in_study || $5::text[]) AS m ORDER BY m),
           sop_classes_in_study = ARRAY(SELECT DISTINCT c COLLATE "C" AS c FROM unnest(sop_classes_in_study || $6::text[]) AS c ORDER BY c)
         WHERE tenant_id = $1 AND study_instance_uid = $2`,
        [s.tenant, s.uid, s.instances, s.series, [...s.modalities], [...s.sopClasses]],
      );
    }
    this.rows = [];
    this.seriesCounts = new Map();
    this.studyCounts = new Map();
  }
}

/** The indexed state of the batch's SOP instances that are in the index already. */
// Object keys are unique per store (a new key for each), so a claimed key never names a later copy.
async function objectsClaimedByErasures(manager: EntityManager, instances: readonly IndexedInstance[]): Promise<Set<string>> {
  const keys = instances.map((i) => i.objectKey);
  const rows = (await manager.query('SELECT k FROM patient_erasure e CROSS JOIN LATERAL unnest(e.object_keys) AS k WHERE e.object_keys && $1::text[] AND k = ANY($1::text[])', [keys])) as { k: string }[];
  return new Set(rows.map((r) => r.k));
}

async function existingInstances(manager: EntityManager, instances: readonly IndexedInstance[]): Promise<Map<string, { datasetSha256: string; objectKey: string; studyInstanceUID: string }>> {
  const known = new Map<string, { datasetSha256: string; objectKey: string; studyInstanceUID: string }>();
  for (const tenant of new Set(instances.map((i) => i.tenant))) {
    const uids = instances.filter((i) => i.tenant === tenant).map((i) => i.sopInstanceUID);
    const rows = (await manager.query('SELECT sop_instance_uid, dataset_sha256, object_key, study_instance_uid FROM instance WHERE tenant_id = $1 AND sop_instance_uid = ANY($2::text[])', [tenant, uids])) as {
      sop_instance_uid: string;
      dataset_sha256: string;
      object_key: string;
      study_instance_uid: string;
    }[];
    for (const r of rows) known.set(`${tenant}\u0000${r.sop_instance_uid}`, { datasetSha256: r.dataset_sha256.trim(), objectKey: r.object_key, studyInstanceUID: r.study_instance_uid });
  }
  return known;
}

const INSTANCE_COLUMNS = 14;

/** Inserts (or, for an instance stored again, replaces) instance rows, in one statement. */
async function insertInstances(manager: EntityManager, rows: readonly { instance: IndexedInstance; indexedAt: Date }[]): Promise<void> {
  const params: unknown[] = [];
  const tuples = rows.map(({ instance, indexedAt }) => {
    const base = params.length;
    params.push(
      instance.tenant,
      instance.sopInstanceUID,
      instance.seriesInstanceUID,
      instance.studyInstanceUID,
      instance.sopClassUID,
      intValue(instance.metadata, Tags.InstanceNumber),
      instance.transferSyntaxUID,
      instance.objectKey,
      instance.sizeBytes,
      instance.datasetOffset,
      instance.datasetSha256,
      JSON.stringify(instance.metadata),
      instance.storedAt,
      indexedAt,
    );
    return `(${Array.from({ length: INSTANCE_COLUMNS }, (_, i) => `$${base + i + 1}`).join(', ')})`;
  });
  await manager.query(
    `INSERT INTO instance (tenant_id, sop_instance_uid, series_instance_uid, study_instance_uid, sop_class_uid, instance_number, transfer_syntax_uid,
                           object_key, size_bytes, dataset_offset, dataset_sha256, metadata, stored_at, indexed_at)
     VALUES ${tuples.join(', ')}
     ON CONFLICT (tenant_id, sop_instance_uid) DO UPDATE SET
       series_instance_uid = EXCLUDED.series_instance_uid, study_instance_uid = EXCLUDED.study_instance_uid, sop_class_uid = EXCLUDED.sop_class_uid,
       instance_number = EXCLUDED.instance_number, transfer_syntax_uid = EXCLUDED.transfer_syntax_uid, object_key = EXCLUDED.object_key,
       size_bytes = EXCLUDED.size_bytes, dataset_offset = EXCLUDED.dataset_offset, dataset_sha256 = EXCLUDED.dataset_sha256,
       metadata = EXCLUDED.metadata, stored_at = EXCLUDED.stored_at, indexed_at = EXCLUDED.indexed_at`,
    params,
  );
}

// A study's counts and computed attributes from scratch, for an instance stored again that may have moved.
async function recount(manager: EntityManager, tenant: string, studyInstanceUID: string): Promise<void> {
  await manager.query(
    `UPDATE series SET number_of_instances = (SELECT count(*) FROM instance i WHERE i.tenant_id = series.tenant_id AND i.series_instance_uid = series.series_instance_uid)
     WHERE tenant_id = $1 AND study_instance_uid = $2`,
    [tenant, studyInstanceUID],
  );
  await manager.query(
    `UPDATE study SET
       number_of_series = (SELECT count(*) FROM series WHERE tenant_id = $1 AND study_instance_uid = $2),
       number_of_instances = (SELECT count(*) FROM instance WHERE tenant_id = $1 AND study_instance_uid = $2),
       modalities_in_study = ARRAY(SELECT DISTINCT modality COLLATE "C" AS m FROM series WHERE tenant_id = $1 AND study_instance_uid = $2 AND modality IS NOT NULL ORDER BY m),
       sop_classes_in_study = ARRAY(SELECT DISTINCT sop_class_uid COLLATE "C" AS c FROM instance WHERE tenant_id = $1 AND study_instance_uid = $2 ORDER BY c)
     WHERE tenant_id = $1 AND study_instance_uid = $2`,
    [tenant, studyInstanceUID],
  );
}
