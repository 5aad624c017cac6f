import { lookupKeyword, lookupTag } from '../dictionary/dictionary';
import { parseTagKey, tagKey, Tags, type Tag } from '../tag';
import type { VR } from '../vr';
import { personNameWords } from './fuzzy-person-name';

/** The query/retrieve levels of PS3.4 C.6 as QIDO-RS uses them. */
export type QueryLevel = 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE';

/** One matching key and how it matches (PS3.4 C.2.2.2). */
export type MatchKey =
  | { readonly kind: 'universal'; readonly tag: Tag; readonly vr: VR }
  | { readonly kind: 'single'; readonly tag: Tag; readonly vr: VR; readonly value: string }
  | { readonly kind: 'wildcard'; readonly tag: Tag; readonly vr: VR; readonly pattern: string }
  | { readonly kind: 'list'; readonly tag: Tag; readonly vr: VR; readonly values: readonly string[] }
  | { readonly kind: 'range'; readonly tag: Tag; readonly vr: VR; readonly from?: string; readonly to?: string }
  /**
   * Fuzzy semantic matching of a person name (PS3.4 C.2.2.2.1, fuzzy-person-name.ts): the name matches
   * when, for one of the alternatives, each word begins one of its words.
   */
  | { readonly kind: 'fuzzy'; readonly tag: Tag; readonly vr: 'PN'; readonly alternatives: readonly (readonly string[])[] }
  /** Sequence matching (PS3.4 C.2.2.2.6): some item of the sequence matches every nested key. */
  | { readonly kind: 'sequence'; readonly tag: Tag; readonly vr: 'SQ'; readonly keys: readonly MatchKey[] };

/** A parsed QIDO-RS query. */
export interface QueryModel {
  readonly level: QueryLevel;
  readonly keys: readonly MatchKey[];
  /** Extra attributes to return, or 'all' (PS3.18 8.3.4.3). */
  readonly includeFields: readonly Tag[] | 'all';
  readonly limit?: number;
  readonly offset: number;
  readonly fuzzyMatching: boolean;
}

/** A query parameter that cannot be honoured; the edge answers 400 with this message. */
export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

// PS3.4 C.2.2.2.4: wildcard matching applies to these VRs only.
const WILDCARD_VRS: ReadonlySet<VR> = new Set<VR>(['AE', 'CS', 'LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UR', 'UT']);
// PS3.4 C.2.2.2.5: range matching applies to dates and times.
const RANGE_VRS: ReadonlySet<VR> = new Set<VR>(['DA', 'TM', 'DT']);

/** Resolves a QIDO attribute identifier: a keyword ("PatientID") or a tag ("00100020"). */
export function resolveAttribute(id: string): { tag: Tag; vr: VR } {
  const byTag = parseTagKey(id);
  const entry = byTag !== undefined ? lookupTag(byTag) : lookupKeyword(id);
  const tag = byTag ?? entry?.tag;
  if (tag === undefined) throw new QueryError(`Unknown attribute "${id}": use a DICOM keyword or an 8-digit tag`);
  return { tag, vr: entry?.vrs[0] ?? 'UN' };
}

/**
 * Parses QIDO-RS query parameters (PS3.18 8.3.4) into a query model. `params` is the list of
 * name/value pairs in request order; repeated includefield parameters accumulate.
 */
export function parseQidoQuery(level: QueryLevel, params: ReadonlyArray<readonly [string, string]>): QueryModel {
  let includeFields: Tag[] | 'all' = [];
  let limit: number | undefined;
  let offset = 0;
  let fuzzyMatching = false;
  const matching: (readonly [string, string])[] = [];
  for (const [name, raw] of params) {
    switch (name) {
      case 'includefield':
        for (const field of raw.split(',').map((f) => f.trim()).filter(Boolean)) {
          if (field === 'all') includeFields = 'all';
          else if (includeFields !== 'all') includeFields.push(resolveAttribute(field).tag);
        }
        break;
      case 'limit':
        limit = nonNegativeInteger(name, raw);
        if (limit === 0) throw new QueryError('limit must be at least 1');
        break;
      case 'offset':
        offset = nonNegativeInteger(name, raw);
        break;
      case 'fuzzymatching':
        if (raw !== 'true' && raw !== 'false') throw new QueryError('fuzzymatching must be true or false');
        fuzzyMatching = raw === 'true';
        break;
      default:
        matching.push([name, raw]);
    }
  }
  // fuzzymatching may come after the keys it applies to, so the keys are built once it is known.
  const keys = matchingKeys(
    matching.map(([name, raw]) => [name.split('.'), raw] as const),
    fuzzyMatching,
  );
  // The limit is kept as asked: the index caps it and announces the cap (PS3.18 8.3.4.4).
  return { level, keys, includeFields, ...(limit !== undefined ? { limit } : {}), offset, fuzzyMatching };
}

/**
 * The matching keys of QIDO parameters whose names are attribute paths. A path through a sequence
 * ("RequestAttributesSequence.RequestedProcedureID", PS3.18 8.3.4.1) is sequence matching (PS3.4
 * C.2.2.2.6): the keys under one sequence are gathered, so that one item has to match them all.
 */
function matchingKeys(entries: ReadonlyArray<readonly [readonly string[], string]>, fuzzy: boolean): MatchKey[] {
  const keys: MatchKey[] = [];
  const nested = new Map<Tag, (readonly [readonly string[], string])[]>();
  const seen = new Set<Tag>();
  for (const [path, raw] of entries) {
    const [head, ...rest] = path as [string, ...string[]];
    const { tag, vr } = resolveAttribute(head);
    if (rest.length > 0) {
      if (vr !== 'SQ') throw new QueryError(`${head} is not a sequence; "${path.join('.')}" cannot be matched`);
      if (seen.has(tag) && !nested.has(tag)) throw new QueryError(`Attribute ${head} is given more than once`);
      seen.add(tag);
      nested.set(tag, [...(nested.get(tag) ?? []), [rest, raw]]);
      continue;
    }
    if (seen.has(tag)) throw new QueryError(`Attribute ${head} is given more than once`);
    seen.add(tag);
    keys.push(fuzzy && vr === 'PN' ? fuzzyKey(tag, raw) : matchKey(tag, vr, raw));
  }
  for (const [tag, items] of nested) {
    const inner = matchingKeys(items, fuzzy).filter((k) => k.kind !== 'universal');
    keys.push(inner.length === 0 ? { kind: 'universal', tag, vr: 'SQ' } : { kind: 'sequence', tag, vr: 'SQ', keys: inner });
  }
  return keys;
}

/**
 * A person name key under fuzzymatching=true: fuzzy semantic matching (fuzzy-person-name.ts) of each
 * value; a value with `?` keeps ordinary, case-insensitive wildcard matching, `?` having no fuzzy sense.
 */
export function fuzzyKey(tag: Tag, raw: string): MatchKey {
  const literal = matchKey(tag, 'PN', raw);
  if (literal.kind === 'universal' || (literal.kind === 'wildcard' && literal.pattern.includes('?'))) return literal;
  const values = literal.kind === 'list' ? literal.values : [raw];
  if (values.some((v) => v.includes('?'))) return literal;
  const alternatives = values.map(personNameWords);
  // A value of separators only ("^") asks for nothing but presence: it stays a literal key.
  if (alternatives.some((words) => words.length === 0)) return literal;
  return { kind: 'fuzzy', tag, vr: 'PN', alternatives };
}

function nonNegativeInteger(name: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw new QueryError(`${name} must be a non-negative integer, not "${raw}"`);
  return Number(raw);
}

/** Builds the match key a value asks for, per the rules of PS3.4 C.2.2.2 for its VR. */
export function matchKey(tag: Tag, vr: VR, raw: string): MatchKey {
  const value = raw.trim();
  if (value === '' || (value === '*' && WILDCARD_VRS.has(vr))) return { kind: 'universal', tag, vr };
  if (vr === 'SQ') throw new QueryError(`${tagKey(tag)} is a sequence; only universal matching is supported for it`);
  if (vr === 'UI') {
    // PS3.4 C.2.2.2.2: List of UID matching; QIDO separates the UIDs with commas or backslashes.
    const values = value.split(/[,\\]/).map((v) => v.trim()).filter(Boolean);
    if (values.some((v) => !/^[0-9.]{1,64}$/.test(v))) throw new QueryError(`${tagKey(tag)}: "${value}" is not a UID or a list of UIDs`);
    return values.length === 1 ? { kind: 'single', tag, vr, value: values[0] as string } : { kind: 'list', tag, vr, values };
  }
  if (RANGE_VRS.has(vr) && value.includes('-') && !(vr === 'DT' && /^[^-]*[+-]\d{4}$/.test(value))) {
    const [from, to, ...rest] = value.split('-');
    if (rest.length > 0) throw new QueryError(`${tagKey(tag)}: "${value}" is not a range`);
    const check = (v: string | undefined): string | undefined => {
      if (!v) return undefined;
      if (!validTemporal(vr, v)) throw new QueryError(`${tagKey(tag)}: "${v}" is not a valid ${vr} value`);
      return v;
    };
    const lower = check(from);
    const upper = check(to);
    if (!lower && !upper) throw new QueryError(`${tagKey(tag)}: a range needs at least one end`);
    return { kind: 'range', tag, vr, ...(lower ? { from: lower } : {}), ...(upper ? { to: upper } : {}) };
  }
  if (RANGE_VRS.has(vr) && !validTemporal(vr, value)) throw new QueryError(`${tagKey(tag)}: "${value}" is not a valid ${vr} value`);
  if (value.includes('\\')) {
    // Multiple values in a key other than a UID list are matched as "any of" (PS3.4 C.2.2.2.8).
    return { kind: 'list', tag, vr, values: value.split('\\').map((v) => v.trim()) };
  }
  if (WILDCARD_VRS.has(vr) && /[*?]/.test(value)) return { kind: 'wildcard', tag, vr, pattern: value };
  return { kind: 'single', tag, vr, value };
}

function validTemporal(vr: VR, v: string): boolean {
  if (vr === 'DA') return /^\d{8}$/.test(v);
  if (vr === 'TM') return /^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$/.test(v);
  return /^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?$/.test(v);
}

/** Attributes QIDO-RS returns by default at each level (PS3.18 Tables 6.7.1-2, -2a, -2b). */
export const DEFAULT_RETURN_TAGS: Readonly<Record<QueryLevel, readonly Tag[]>> = {
  PATIENT: [Tags.SpecificCharacterSet, Tags.PatientName, Tags.PatientID, Tags.IssuerOfPatientID, Tags.PatientBirthDate, Tags.PatientSex],
  STUDY: [
    Tags.SpecificCharacterSet,
    Tags.StudyDate,
    Tags.StudyTime,
    Tags.AccessionNumber,
    Tags.InstanceAvailability,
    Tags.ModalitiesInStudy,
    Tags.ReferringPhysicianName,
    Tags.TimezoneOffsetFromUTC,
    Tags.RetrieveURL,
    Tags.PatientName,
    Tags.PatientID,
    Tags.PatientBirthDate,
    Tags.PatientSex,
    Tags.StudyInstanceUID,
    Tags.StudyID,
    Tags.NumberOfStudyRelatedSeries,
    Tags.NumberOfStudyRelatedInstances,
  ],
  SERIES: [
    Tags.SpecificCharacterSet,
    Tags.Modality,
    Tags.TimezoneOffsetFromUTC,
    Tags.SeriesDescription,
    Tags.RetrieveURL,
    Tags.StudyInstanceUID,
    Tags.SeriesInstanceUID,
    Tags.SeriesNumber,
    Tags.NumberOfSeriesRelatedInstances,
    Tags.PerformedProcedureStepStartDate,
    Tags.PerformedProcedureStepStartTime,
    Tags.RequestAttributesSequence,
  ],
  IMAGE: [
    Tags.SpecificCharacterSet,
    Tags.SOPClassUID,
    Tags.SOPInstanceUID,
    Tags.InstanceAvailability,
    Tags.TimezoneOffsetFromUTC,
    Tags.RetrieveURL,
    Tags.StudyInstanceUID,
    Tags.SeriesInstanceUID,
    Tags.InstanceNumber,
    Tags.Rows,
    Tags.Columns,
    Tags.BitsAllocated,
    Tags.NumberOfFrames,
  ],
};
