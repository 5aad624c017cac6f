import type { Database } from '@tessera/database';
import type { DicomJsonDataset } from '@tessera/dicom';
import type { AndOr, DateRange, IndexedPatient, IndexedSeries, IndexedStudy, PatientCriteria, SearchPage, StudyCriteria } from '@tessera/fhir';
import type { FhirIndex, Found } from './fhir-index.port';
import { Params } from './sql-match';

interface PatientRow {
  id: string | number;
  patient_id: string;
  issuer_of_patient_id: string;
  attributes: DicomJsonDataset;
  merged_into_fk: string | number | null;
}
interface StudyRow {
  study_instance_uid: string;
  patient_fk: string | number;
  attributes: DicomJsonDataset;
  modalities_in_study: string[];
  number_of_series: number;
  number_of_instances: number;
}

const PATIENT_ORDER = 'p.patient_id COLLATE "C", p.issuer_of_patient_id COLLATE "C", p.id';
// A patient's logical id is its row's; anything else names no patient.
const ID = /^[1-9]\d{0,17}$/;

/** The FHIR read side of the index in PostgreSQL (or PGlite): the patient, study, series and instance tables. */
export class TypeormFhirIndex implements FhirIndex {
  constructor(private readonly db: Database) {}

  async patient(tenant: string, id: string): Promise<IndexedPatient | undefined> {
    if (!ID.test(id)) return undefined;
    const rows = (await this.db.dataSource.query('SELECT id, patient_id, issuer_of_patient_id, attributes, merged_into_fk FROM patient p WHERE tenant_id = $1 AND id = $2', [tenant, id])) as PatientRow[];
    return rows[0] && indexedPatient(rows[0]);
  }

  async searchPatients(tenant: string, criteria: PatientCriteria, page: SearchPage): Promise<Found<IndexedPatient>> {
    const params = new Params();
    const where = [`p.tenant_id = ${params.add(tenant)}`, ...patientConditions(criteria, params)].join(' AND ');
    const [count] = (await this.db.dataSource.query(`SELECT count(*) AS n FROM patient p WHERE ${where}`, params.values)) as { n: string | number }[];
    const rows = (await this.db.dataSource.query(
      `SELECT p.id, p.patient_id, p.issuer_of_patient_id, p.attributes, p.merged_into_fk FROM patient p WHERE ${where} ORDER BY ${PATIENT_ORDER} LIMIT ${params.add(page.count)} OFFSET ${params.add(page.offset)}`,
      params.values,
    )) as PatientRow[];
    return { total: Number(count?.n ?? 0), items: rows.map(indexedPatient) };
  }

  async study(tenant: string, studyInstanceUID: string): Promise<IndexedStudy | undefined> {
    const found = await this.searchStudies(tenant, { uids: [[studyInstanceUID]] }, { offset: 0, count: 1 });
    return found.items[0];
  }

  async searchStudies(tenant: string, criteria: StudyCriteria, page: SearchPage): Promise<Found<IndexedStudy>> {
    const params = new Params();
    const where = [`st.tenant_id = ${params.add(tenant)}`, ...studyConditions(criteria, params)].join(' AND ');
    const [count] = (await this.db.dataSource.query(`SELECT count(*) AS n FROM study st WHERE ${where}`, params.values)) as { n: string | number }[];
    const studies = (await this.db.dataSource.query(
      `SELECT st.study_instance_uid, st.patient_fk, st.attributes, st.modalities_in_study, st.number_of_series, st.number_of_instances FROM study st
       WHERE ${where} ORDER BY st.study_instance_uid COLLATE "C" LIMIT ${params.add(page.count)} OFFSET ${params.add(page.offset)}`,
      params.values,
    )) as StudyRow[];
    const series = await this.seriesOf(tenant, studies.map((s) => s.study_instance_uid));
    return {
      total: Number(count?.n ?? 0),
      items: studies.map((s) => ({
        patientId: String(s.patient_fk),
        attributes: s.attributes,
        modalitiesInStudy: s.modalities_in_study,
        numberOfSeries: s.number_of_series,
        numberOfInstances: s.number_of_instances,
        series: series.get(s.study_instance_uid) ?? [],
      })),
    };
  }

  // The series of these studies with their instances, in series and instance order.
  private async seriesOf(tenant: string, studies: readonly string[]): Promise<Map<string, IndexedSeries[]>> {
    const out = new Map<string, IndexedSeries[]>();
    if (studies.length === 0) return out;
    const series = (await this.db.dataSource.query(
      `SELECT study_instance_uid, series_instance_uid, attributes, number_of_instances FROM series WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[])
       ORDER BY series_number NULLS LAST, series_instance_uid COLLATE "C"`,
      [tenant, studies],
    )) as { study_instance_uid: string; series_instance_uid: string; attributes: DicomJsonDataset; number_of_instances: number }[];
    const instances = (await this.db.dataSource.query(
      `SELECT series_instance_uid, sop_instance_uid, sop_class_uid, instance_number FROM instance WHERE tenant_id = $1 AND study_instance_uid = ANY($2::text[])
       ORDER BY instance_number NULLS LAST, sop_instance_uid COLLATE "C"`,
      [tenant, studies],
    )) as { series_instance_uid: string; sop_instance_uid: string; sop_class_uid: string; instance_number: number | null }[];
    const bySeries = new Map<string, IndexedSeries['instances'][number][]>();
    for (const i of instances) {
      const list = bySeries.get(i.series_instance_uid) ?? [];
      list.push({ sopInstanceUID: i.sop_instance_uid, sopClassUID: i.sop_class_uid, ...(i.instance_number !== null ? { instanceNumber: i.instance_number } : {}) });
      bySeries.set(i.series_instance_uid, list);
    }
    for (const s of series) {
      const list = out.get(s.study_instance_uid) ?? [];
      list.push({ attributes: s.attributes, numberOfInstances: s.number_of_instances, instances: bySeries.get(s.series_instance_uid) ?? [] });
      out.set(s.study_instance_uid, list);
    }
    return out;
  }
}

function indexedPatient(r: PatientRow): IndexedPatient {
  return { id: String(r.id), patientID: r.patient_id, issuerOfPatientID: r.issuer_of_patient_id, attributes: r.attributes, ...(r.merged_into_fk !== null ? { mergedIntoId: String(r.merged_into_fk) } : {}) };
}

/** One condition per group, each the OR of its alternatives. */
function groups<T>(criteria: AndOr<T> | undefined, condition: (value: T) => string): string[] {
  return (criteria ?? []).map((group) => `(${group.map(condition).join(' OR ') || 'FALSE'})`);
}

// LIKE pattern of a prefix: its own %, _ and \ escaped.
const prefix = (params: Params, value: string): string => params.add(`${value.replace(/[\\%_]/g, '\\$&')}%`);

function range(column: string, r: DateRange, params: Params): string {
  const parts = [`${column} IS NOT NULL`];
  if (r.from !== undefined) parts.push(`${column} COLLATE "C" >= ${params.add(r.from)}`);
  if (r.to !== undefined) parts.push(`${column} COLLATE "C" <= ${params.add(r.to)}`);
  return parts.join(' AND ');
}

// The words of a text, lower-case: what name criteria match the start of.
const wordsOf = (text: string): string => `regexp_split_to_table(lower(${text}), '\\s+')`;

function patientConditions(c: PatientCriteria, params: Params): string[] {
  const name = "coalesce(p.patient_name, '')";
  return [
    ...groups(c.ids, (id) => (ID.test(id) ? `p.id = ${params.add(id)}` : 'FALSE')),
    ...groups(c.identifiers, (i) => `(p.patient_id = ${params.add(i.patientID)}${i.issuerOfPatientID !== undefined ? ` AND p.issuer_of_patient_id = ${params.add(i.issuerOfPatientID)}` : ''})`),
    ...groups(c.names, (v) => `EXISTS (SELECT 1 FROM ${wordsOf(`replace(${name}, '^', ' ')`)} w WHERE w LIKE ${prefix(params, v)} ESCAPE '\\')`),
    ...groups(c.families, (v) => `lower(split_part(${name}, '^', 1)) LIKE ${prefix(params, v)} ESCAPE '\\'`),
    ...groups(c.givens, (v) => `EXISTS (SELECT 1 FROM ${wordsOf(`split_part(${name}, '^', 2) || ' ' || split_part(${name}, '^', 3)`)} w WHERE w LIKE ${prefix(params, v)} ESCAPE '\\')`),
    ...groups(c.birthDates, (r) => range('p.patient_birth_date', r, params)),
    ...groups(c.sexes, (s) => `coalesce(p.patient_sex, '') = ${params.add(s)}`),
  ];
}

function studyConditions(c: StudyCriteria, params: Params): string[] {
  return [
    ...groups(c.uids, (uid) => `st.study_instance_uid = ${params.add(uid)}`),
    ...groups(c.patients, (id) => (ID.test(id) ? `st.patient_fk = ${params.add(id)}` : 'FALSE')),
    ...groups(c.identifiers, (i) => {
      switch (i.kind) {
        case 'uid':
          return `st.study_instance_uid = ${params.add(i.value)}`;
        case 'accession':
          return `st.accession_number = ${params.add(i.value)}`;
        case 'none':
          return 'FALSE';
      }
    }),
    ...groups(c.dates, (r) => range('st.study_date', r, params)),
    ...groups(c.modalities, (m) => `${params.add(m)} = ANY(st.modalities_in_study)`),
  ];
}
