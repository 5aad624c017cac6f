import { comparableValues, Tags, type DicomJsonDataset, type MatchKey, type Tag } from '@tessera/dicom';
import type { Database } from '@tessera/database';
import type { WorklistFilter, WorklistItem, WorklistStore } from './worklist.port';
import { assertIndexed, scheduledStepOf, SCHEDULED_STEP_INDEXED_TAGS, WORKLIST_INDEXED_TAGS, WorklistTags, type ScheduledStepStatus } from './worklist-attributes';

type ColumnKind = 'text' | 'upper' | 'array';

// The indexed attributes (worklist-attributes.ts) and their columns; what the contract suite holds
// this adapter to is that a filter matches here exactly as matchesKey matches the item in memory.
const COLUMNS = new Map<Tag, { column: string; kind: ColumnKind }>([
  [Tags.PatientID, { column: 'patient_id', kind: 'text' }],
  [Tags.PatientName, { column: 'patient_name_upper', kind: 'upper' }],
  [Tags.AccessionNumber, { column: 'accession_number', kind: 'text' }],
  [Tags.StudyInstanceUID, { column: 'study_instance_uid', kind: 'text' }],
  [WorklistTags.RequestedProcedureID, { column: 'requested_procedure_id', kind: 'text' }],
]);
const STEP_COLUMNS = new Map<Tag, { column: string; kind: ColumnKind }>([
  [Tags.Modality, { column: 'modality', kind: 'text' }],
  [WorklistTags.ScheduledStationAETitle, { column: 'scheduled_station_ae_titles', kind: 'array' }],
  [WorklistTags.ScheduledProcedureStepStartDate, { column: 'sps_start_date', kind: 'text' }],
  [WorklistTags.ScheduledProcedureStepStartTime, { column: 'sps_start_time', kind: 'text' }],
  [WorklistTags.ScheduledProcedureStepID, { column: 'sps_id', kind: 'text' }],
  [WorklistTags.ScheduledProcedureStepStatus, { column: 'sps_status', kind: 'text' }],
]);

/** The worklist in PostgreSQL (or PGlite), table worklist_item. */
export class TypeormWorklistStore implements WorklistStore {
  constructor(private readonly db: Database) {}

  async create(item: WorklistItem): Promise<'created' | 'exists'> {
    const rows = (await this.db.dataSource.query(`${INSERT} ON CONFLICT (tenant_id, study_instance_uid, sps_id) DO NOTHING RETURNING 1 AS created`, values(item))) as unknown[];
    return rows.length > 0 ? 'created' : 'exists';
  }

  async put(item: WorklistItem): Promise<'created' | 'updated'> {
    return putWorklistItem(this.db.dataSource, item);
  }

  async find(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string): Promise<WorklistItem | undefined> {
    const rows = (await this.db.dataSource.query('SELECT attributes FROM worklist_item WHERE tenant_id = $1 AND study_instance_uid = $2 AND sps_id = $3', [tenant, studyInstanceUID, scheduledProcedureStepID])) as {
      attributes: DicomJsonDataset;
    }[];
    return rows[0] ? { tenant, studyInstanceUID, scheduledProcedureStepID, attributes: rows[0].attributes } : undefined;
  }

  async remove(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string): Promise<boolean> {
    const rows = (await this.db.dataSource.query(
      'WITH gone AS (DELETE FROM worklist_item WHERE tenant_id = $1 AND study_instance_uid = $2 AND sps_id = $3 RETURNING 1) SELECT count(*) AS n FROM gone',
      [tenant, studyInstanceUID, scheduledProcedureStepID],
    )) as { n: string | number }[];
    return Number(rows[0]?.n) > 0;
  }

  async setStatus(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string, to: ScheduledStepStatus, from: readonly ScheduledStepStatus[]): Promise<boolean> {
    // The status lives twice: in its column (for matching) and in the item's one Scheduled Procedure Step.
    const rows = (await this.db.dataSource.query(
      `WITH changed AS (
         UPDATE worklist_item SET sps_status = $4,
           attributes = jsonb_set(attributes, '{00400100,Value,0,00400020}', jsonb_build_object('vr', 'CS', 'Value', jsonb_build_array($4::text))),
           updated_at = now()
         WHERE tenant_id = $1 AND study_instance_uid = $2 AND sps_id = $3 AND sps_status = ANY($5::text[])
         RETURNING 1)
       SELECT count(*) AS n FROM changed`,
      [tenant, studyInstanceUID, scheduledProcedureStepID, to, [...from]],
    )) as { n: string | number }[];
    return Number(rows[0]?.n) > 0;
  }

  async search(tenant: string, filter: WorklistFilter): Promise<WorklistItem[]> {
    assertIndexed(filter.keys, WORKLIST_INDEXED_TAGS);
    assertIndexed(filter.stepKeys, SCHEDULED_STEP_INDEXED_TAGS);
    const params: unknown[] = [tenant];
    const add = (value: unknown): string => `$${params.push(value)}`;
    const where = ['tenant_id = $1', ...filter.keys.map((k) => condition(COLUMNS, k, add)), ...filter.stepKeys.map((k) => condition(STEP_COLUMNS, k, add))];
    const rows = (await this.db.dataSource.query(
      `SELECT study_instance_uid, sps_id, attributes FROM worklist_item WHERE ${where.join(' AND ')}
       ORDER BY sps_start_date COLLATE "C", sps_start_time COLLATE "C", study_instance_uid COLLATE "C", sps_id COLLATE "C"
       LIMIT ${add(filter.limit)} OFFSET ${add(filter.offset)}`,
      params,
    )) as { study_instance_uid: string; sps_id: string; attributes: DicomJsonDataset }[];
    return rows.map((r) => ({ tenant, studyInstanceUID: r.study_instance_uid, scheduledProcedureStepID: r.sps_id, attributes: r.attributes }));
  }
}

/** Where SQL can run: the data source, or the entity manager of a transaction. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** WorklistStore.put on a given runner, so that a worklist item can change in a caller's transaction. */
export async function putWorklistItem(runner: SqlRunner, item: WorklistItem): Promise<'created' | 'updated'> {
  const rows = (await runner.query(
    `${INSERT} ON CONFLICT (tenant_id, study_instance_uid, sps_id) DO UPDATE SET
       patient_id = EXCLUDED.patient_id, patient_name_upper = EXCLUDED.patient_name_upper, accession_number = EXCLUDED.accession_number,
       requested_procedure_id = EXCLUDED.requested_procedure_id, modality = EXCLUDED.modality, scheduled_station_ae_titles = EXCLUDED.scheduled_station_ae_titles,
       sps_start_date = EXCLUDED.sps_start_date, sps_start_time = EXCLUDED.sps_start_time, sps_status = EXCLUDED.sps_status,
       attributes = EXCLUDED.attributes, updated_at = now()
     RETURNING (xmax = 0) AS created`,
    values(item),
  )) as { created: boolean }[];
  return rows[0]?.created ? 'created' : 'updated';
}

const INSERT = `INSERT INTO worklist_item (tenant_id, study_instance_uid, sps_id, patient_id, patient_name_upper, accession_number, requested_procedure_id,
   modality, scheduled_station_ae_titles, sps_start_date, sps_start_time, sps_status, attributes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

function values(item: WorklistItem): unknown[] {
  const top = (tag: Tag): string | null => comparableValues(item.attributes, { tag })[0] || null;
  const step = scheduledStepOf(item.attributes);
  const inStep = (tag: Tag): string | null => comparableValues(step, { tag })[0] || null;
  return [
    item.tenant,
    item.studyInstanceUID,
    item.scheduledProcedureStepID,
    top(Tags.PatientID),
    top(Tags.PatientName)?.toUpperCase() ?? null,
    top(Tags.AccessionNumber),
    top(WorklistTags.RequestedProcedureID),
    inStep(Tags.Modality),
    comparableValues(step, { tag: WorklistTags.ScheduledStationAETitle }),
    inStep(WorklistTags.ScheduledProcedureStepStartDate),
    inStep(WorklistTags.ScheduledProcedureStepStartTime),
    inStep(WorklistTags.ScheduledProcedureStepStatus),
    JSON.stringify(item.attributes),
  ];
}

// One filter key as SQL, with the semantics of matchesKey (PS3.4 C.2.2.2): an empty column matches no
// key with a value; person names compare case-insensitively; an upper range bound includes the values
// it is a prefix of; several values of the station AE title match when any does.
function condition(columns: ReadonlyMap<Tag, { column: string; kind: ColumnKind }>, key: MatchKey, add: (value: unknown) => string): string {
  const { column, kind } = columns.get(key.tag) as { column: string; kind: ColumnKind };
  const fold = (v: string): string => (kind === 'upper' ? v.toUpperCase() : v);
  switch (key.kind) {
    case 'universal':
      return 'TRUE';
    case 'sequence':
      return 'FALSE';
    case 'fuzzy':
      // Modality worklist C-FIND negotiates no fuzzy semantic matching (PS3.4 C.2.2.2.1), so no key is fuzzy.
      throw new Error('The worklist store does not do fuzzy person name matching');
    case 'single':
      return kind === 'array' ? `${add(key.value)} = ANY(${column})` : `${column} = ${add(fold(key.value))}`;
    case 'list':
      return kind === 'array' ? `${column} && ${add(key.values)}::text[]` : `${column} = ANY(${add(key.values.map(fold))}::text[])`;
    case 'wildcard': {
      const like = add(likePattern(fold(key.pattern)));
      return kind === 'array' ? `EXISTS (SELECT 1 FROM unnest(${column}) m WHERE m LIKE ${like} ESCAPE '\\')` : `${column} LIKE ${like} ESCAPE '\\'`;
    }
    case 'range': {
      if (kind === 'array') return 'FALSE';
      const parts: string[] = [];
      // Code-point order (COLLATE "C"), as JavaScript compares strings.
      if (key.from !== undefined) parts.push(`${column} COLLATE "C" >= ${add(key.from)}`);
      if (key.to !== undefined) parts.push(`(${column} COLLATE "C" <= ${add(key.to)} OR ${column} LIKE ${add(`${likePattern(key.to)}%`)} ESCAPE '\\')`);
      return parts.join(' AND ');
    }
  }
}

// DICOM wildcards to LIKE: * -> %, ? -> _, with LIKE's own metacharacters escaped.
function likePattern(pattern: string): string {
  return pattern.replace(/[\\%_]/g, '\\$&').replace(/\*/g, '%').replace(/\?/g, '_');
}
