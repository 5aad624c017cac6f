import { levelOfTag, tagKey, Tags, type MatchKey, type Tag } from '@tessera/dicom';

/** Table aliases of the search queries: study, series, instance. */
export type Alias = 'st' | 'se' | 'i';

type ColumnKind = 'text' | 'pn' | 'int' | 'array';

// The matching keys of PS3.18 Table 10.6.1-5 and their computed relatives live in columns (indexed
// where it matters); any other attribute is matched inside the level's DICOM JSON.
const COLUMNS = new Map<Tag, { alias: Alias; column: string; kind: ColumnKind }>([
  [Tags.StudyInstanceUID, { alias: 'st', column: 'study_instance_uid', kind: 'text' }],
  [Tags.StudyDate, { alias: 'st', column: 'study_date', kind: 'text' }],
  [Tags.StudyTime, { alias: 'st', column: 'study_time', kind: 'text' }],
  [Tags.AccessionNumber, { alias: 'st', column: 'accession_number', kind: 'text' }],
  [Tags.StudyID, { alias: 'st', column: 'study_id', kind: 'text' }],
  [Tags.StudyDescription, { alias: 'st', column: 'study_description', kind: 'text' }],
  [Tags.ReferringPhysicianName, { alias: 'st', column: 'referring_physician_name', kind: 'pn' }],
  [Tags.PatientName, { alias: 'st', column: 'patient_name', kind: 'pn' }],
  [Tags.PatientID, { alias: 'st', column: 'patient_id', kind: 'text' }],
  [Tags.PatientBirthDate, { alias: 'st', column: 'patient_birth_date', kind: 'text' }],
  [Tags.PatientSex, { alias: 'st', column: 'patient_sex', kind: 'text' }],
  [Tags.ModalitiesInStudy, { alias: 'st', column: 'modalities_in_study', kind: 'array' }],
  [Tags.SOPClassesInStudy, { alias: 'st', column: 'sop_classes_in_study', kind: 'array' }],
  [Tags.NumberOfStudyRelatedSeries, { alias: 'st', column: 'number_of_series', kind: 'int' }],
  [Tags.NumberOfStudyRelatedInstances, { alias: 'st', column: 'number_of_instances', kind: 'int' }],
  [Tags.SeriesInstanceUID, { alias: 'se', column: 'series_instance_uid', kind: 'text' }],
  [Tags.Modality, { alias: 'se', column: 'modality', kind: 'text' }],
  [Tags.SeriesNumber, { alias: 'se', column: 'series_number', kind: 'int' }],
  [Tags.SeriesDescription, { alias: 'se', column: 'series_description', kind: 'text' }],
  [Tags.PerformedProcedureStepStartDate, { alias: 'se', column: 'performed_procedure_step_start_date', kind: 'text' }],
  [Tags.PerformedProcedureStepStartTime, { alias: 'se', column: 'performed_procedure_step_start_time', kind: 'text' }],
  [Tags.NumberOfSeriesRelatedInstances, { alias: 'se', column: 'number_of_instances', kind: 'int' }],
  [Tags.SOPInstanceUID, { alias: 'i', column: 'sop_instance_uid', kind: 'text' }],
  [Tags.SOPClassUID, { alias: 'i', column: 'sop_class_uid', kind: 'text' }],
  [Tags.InstanceNumber, { alias: 'i', column: 'instance_number', kind: 'int' }],
]);

// At the patient level the patient row answers (PS3.4 C.6.1.1.2).
const PATIENT_COLUMNS = new Map<Tag, { column: string; kind: ColumnKind }>([
  [Tags.PatientName, { column: 'patient_name', kind: 'pn' }],
  [Tags.PatientID, { column: 'patient_id', kind: 'text' }],
  [Tags.IssuerOfPatientID, { column: 'issuer_of_patient_id', kind: 'text' }],
  [Tags.PatientBirthDate, { column: 'patient_birth_date', kind: 'text' }],
  [Tags.PatientSex, { column: 'patient_sex', kind: 'text' }],
]);

/** SQL condition for a key of a patient-level query, over table alias p. */
export function sqlPatientCondition(key: MatchKey, params: Params): string {
  if (key.kind === 'universal') return 'TRUE';
  const column = key.kind === 'sequence' ? undefined : PATIENT_COLUMNS.get(key.tag);
  if (column) return columnCondition(`p.${column.column}`, column.kind, key as Exclude<MatchKey, { kind: 'universal' | 'sequence' }>, params);
  return jsonCondition('p.attributes', key, params, 0);
}

/** The table alias whose row holds an attribute. */
export function aliasOf(tag: Tag): Alias {
  const column = COLUMNS.get(tag);
  if (column) return column.alias;
  const level = levelOfTag(tag);
  return level === 'PATIENT' || level === 'STUDY' ? 'st' : level === 'SERIES' ? 'se' : 'i';
}

/** Collects positional parameters while SQL is being built. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** SQL condition for one match key (PS3.4 C.2.2.2), with the same semantics as matchesKey. */
export function sqlCondition(key: MatchKey, params: Params): string {
  if (key.kind === 'universal') return 'TRUE';
  const column = key.kind === 'sequence' ? undefined : COLUMNS.get(key.tag);
  if (column) return columnCondition(`${column.alias}.${column.column}`, column.kind, key as Exclude<MatchKey, { kind: 'universal' | 'sequence' }>, params);
  const alias = aliasOf(key.tag);
  return jsonCondition(alias === 'i' ? 'i.metadata' : `${alias}.attributes`, key, params, 0);
}

// A key matched inside DICOM JSON (`dataset` is a jsonb expression of a data set): any value of the
// attribute matches, or for a sequence any item matches all nested keys (PS3.4 C.2.2.2.6).
function jsonCondition(dataset: string, key: MatchKey, params: Params, depth: number): string {
  if (key.kind === 'universal') return 'TRUE';
  const values = `jsonb_array_elements(COALESCE(${dataset} -> '${tagKey(key.tag)}' -> 'Value', '[]'::jsonb))`;
  if (key.kind === 'sequence') {
    const item = `item${depth}`;
    const nested = key.keys.map((k) => jsonCondition(item, k, params, depth + 1));
    return `EXISTS (SELECT 1 FROM ${values} ${item} WHERE ${nested.join(' AND ') || 'TRUE'})`;
  }
  const v = `v${depth}`;
  const value = key.vr === 'PN' ? `${v} ->> 'Alphabetic'` : `${v} #>> '{}'`;
  return `EXISTS (SELECT 1 FROM ${values} ${v} WHERE ${columnCondition(value, key.vr === 'PN' ? 'pn' : 'text', key, params)})`;
}

function columnCondition(expr: string, kind: ColumnKind, key: Exclude<MatchKey, { kind: 'universal' | 'sequence' }>, params: Params): string {
  if (key.kind === 'fuzzy') {
    // Every query word begins a word of the name: containment in the name's word prefixes, which the
    // GIN indexes on pn_fuzzy_prefixes(patient_name) and (referring_physician_name) answer.
    if (kind !== 'pn') return 'FALSE';
    return `(${key.alternatives.map((words) => `pn_fuzzy_prefixes(${expr}) @> ${params.add(words)}::text[]`).join(' OR ')})`;
  }
  switch (kind) {
    case 'int': {
      const numbers = (key.kind === 'single' ? [key.value] : key.kind === 'list' ? key.values : []).filter((v) => /^[+-]?\d+$/.test(v)).map(Number);
      if (key.kind === 'single' || key.kind === 'list') return numbers.length > 0 ? `${expr} = ANY(${params.add(numbers)}::int[])` : 'FALSE';
      return 'FALSE';
    }
    case 'array':
      switch (key.kind) {
        case 'single':
          return `${params.add(key.value)} = ANY(${expr})`;
        case 'list':
          return `${expr} && ${params.add(key.values)}::text[]`;
        case 'wildcard':
          return `EXISTS (SELECT 1 FROM unnest(${expr}) m WHERE m LIKE ${params.add(likePattern(key.pattern))} ESCAPE '\\')`;
        case 'range':
          return 'FALSE';
      }
      break;
    case 'pn':
    case 'text': {
      const fold = (e: string): string => (kind === 'pn' ? `upper(${e})` : e);
      switch (key.kind) {
        case 'single':
          return `${fold(expr)} = ${fold(params.add(key.value))}`;
        case 'list':
          return `${fold(expr)} = ANY(${params.add(kind === 'pn' ? key.values.map((v) => v.toUpperCase()) : key.values)}::text[])`;
        case 'wildcard':
          return `${fold(expr)} LIKE ${fold(params.add(likePattern(key.pattern)))} ESCAPE '\\'`;
        case 'range': {
          // Same rule as inRange(): an upper bound includes the values it is a prefix of.
          const parts: string[] = [];
          // Code-point order (COLLATE "C"), as JavaScript compares strings.
          if (key.from !== undefined) parts.push(`(${expr}) COLLATE "C" >= ${params.add(key.from)}`);
          if (key.to !== undefined) parts.push(`((${expr}) COLLATE "C" <= ${params.add(key.to)} OR ${expr} LIKE ${params.add(`${likePattern(key.to)}%`)} ESCAPE '\\')`);
          return parts.join(' AND ');
        }
      }
    }
  }
  return 'FALSE';
}

// DICOM wildcards to LIKE: * -> %, ? -> _, with LIKE's own metacharacters escaped.
function likePattern(pattern: string): string {
  return pattern.replace(/[\\%_]/g, '\\$&').replace(/\*/g, '%').replace(/\?/g, '_');
}
