import {
  inDateTimeRange,
  levelOfTag,
  lookupTag,
  QueryError,
  readIdentifier,
  stringValue,
  tagKey,
  Tags,
  type DicomJsonDataset,
  type IdentifierOptions,
  type IdentifierQuery,
  type QueryLevel,
  type QueryModel,
  type RangeKey,
} from '@tessera/dicom';
import type { InstanceIndex } from '@tessera/index-store';
import { patientAvailable, seriesAvailable, studyAvailable } from '../query/available';

/** The query/retrieve information models of C-FIND (PS3.4 C.6.1, C.6.2). */
export type InformationModel = 'PATIENT_ROOT' | 'STUDY_ROOT';

/** Why a C-FIND identifier cannot be served; the edge answers A900 with this message. */
export class IdentifierError extends Error {}

const DEPTH: Record<ReturnType<typeof levelOfTag>, number> = { PATIENT: 0, STUDY: 1, SERIES: 2, IMAGE: 3 };
const PAGE = 500;

// The DA and TM attributes of the Query/Retrieve models that name one moment together (PS3.4 C.2.2.2.5).
const DATE_TIME_PAIRS: readonly (readonly [date: number, time: number])[] = [
  [0x00100030, 0x00100032], // Patient's Birth Date, Time
  [Tags.StudyDate, 0x00080030], // Study Date, Time
  [0x00080021, 0x00080031], // Series Date, Time
  [0x00080022, 0x00080032], // Acquisition Date, Time
  [0x00080023, 0x00080033], // Content Date, Time
  [0x00080012, 0x00080013], // Instance Creation Date, Time
  [0x00400244, 0x00400245], // Performed Procedure Step Start Date, Time
];

/** How the association agreed to match, beyond PS3.4 C.2.2.2's defaults. */
export interface FindOptions extends IdentifierOptions {
  /** Combined date-time range matching (PS3.4 C.2.2.2.5, extended negotiation C.5.1.1.2). */
  readonly combinedDateTime?: boolean;
}

/** A C-FIND identifier, checked, with its combined date-time ranges. */
export interface PreparedFind {
  readonly query: IdentifierQuery;
  readonly level: QueryLevel;
  /** Date and time ranges matched as one span each; the time keys are not in query.keys. */
  readonly combined: readonly { readonly date: RangeKey; readonly time: RangeKey }[];
}

/**
 * C-FIND over the index (PS3.4 C.4.1.3): reads the identifier, checks it against the information
 * model, and yields one response identifier per match, page by page, until the matches end or the
 * request is cancelled. Queries are relational: a missing unique key of a higher level matches all.
 */
export class FindUseCase {
  constructor(private readonly index: InstanceIndex) {}

  /** Checks an identifier; throws IdentifierError with what is wrong. */
  prepare(identifier: DicomJsonDataset, model: InformationModel, options: FindOptions = {}): PreparedFind {
    let query: IdentifierQuery;
    try {
      query = readIdentifier(identifier, options);
    } catch (err) {
      if (err instanceof QueryError) throw new IdentifierError(err.message);
      throw err;
    }
    const level = query.level;
    if (!level) throw new IdentifierError('Query/Retrieve Level (0008,0052) is missing or not PATIENT, STUDY, SERIES or IMAGE');
    if (model === 'STUDY_ROOT' && level === 'PATIENT') throw new IdentifierError('The Study Root model has no PATIENT level (PS3.4 C.6.2)');
    const below = query.keys.find((k) => k.kind !== 'universal' && DEPTH[levelOfTag(k.tag)] > DEPTH[level]);
    if (below) throw new IdentifierError(`${tagKey(below.tag)} is an attribute below the ${level} level; it cannot be a matching key there (PS3.4 C.4.1.2.1)`);
    if (!options.combinedDateTime) return { query, level, combined: [] };
    // A range on a date and one on its time are one span: the index narrows by the date range (the
    // span lies within it), and the span is matched on what it returns.
    const combined: { date: RangeKey; time: RangeKey }[] = [];
    for (const [dateTag, timeTag] of DATE_TIME_PAIRS) {
      const date = query.keys.find((k) => k.tag === dateTag);
      const time = query.keys.find((k) => k.tag === timeTag);
      if (date?.kind === 'range' && time?.kind === 'range') combined.push({ date, time });
    }
    const times = new Set(combined.map((c) => c.time));
    return { query: { ...query, keys: query.keys.filter((k) => !times.has(k as RangeKey)) }, level, combined };
  }

  /** The response identifiers (without Specific Character Set), as many as match, until `cancelled`. */
  async *matches(tenant: string, prepared: PreparedFind, retrieveAETitle: string, cancelled: AbortSignal): AsyncGenerator<DicomJsonDataset> {
    const { query, level, combined } = prepared;
    const inSpans = (available: DicomJsonDataset): boolean =>
      combined.every(({ date, time }) => inDateTimeRange(stringValue(available, tagKey(date.tag)), stringValue(available, tagKey(time.tag)), date, time));
    // Return keys at or above the query level (PS3.4 C.4.1.2.2).
    const returnTags = query.returnTags.filter((t) => DEPTH[levelOfTag(t)] <= DEPTH[level]);
    for (let offset = 0; !cancelled.aborted; offset += PAGE) {
      const model: QueryModel = { level, keys: query.keys, includeFields: [], limit: PAGE, offset, fuzzyMatching: false };
      const page = await this.page(tenant, model);
      for (const available of page.items) {
        if (cancelled.aborted) return;
        if (inSpans(available)) yield response(available, returnTags, level, retrieveAETitle);
      }
      if (page.items.length < PAGE) return;
    }
  }

  private async page(tenant: string, query: QueryModel): Promise<{ items: DicomJsonDataset[] }> {
    switch (query.level) {
      case 'PATIENT':
        return { items: (await this.index.searchPatients(tenant, query, PAGE)).items.map(patientAvailable) };
      case 'STUDY':
        return { items: (await this.index.searchStudies(tenant, query, PAGE)).items.map(studyAvailable) };
      case 'SERIES':
        return { items: (await this.index.searchSeries(tenant, query, {}, PAGE)).items.map(seriesAvailable) };
      case 'IMAGE':
        return { items: (await this.index.searchInstances(tenant, query, {}, PAGE)).items.map((i) => ({ ...i.metadata, ...seriesAvailable(i.series) })) };
    }
  }
}

function response(available: DicomJsonDataset, returnTags: readonly number[], level: QueryLevel, retrieveAETitle: string): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const tag of returnTags) {
    const key = tagKey(tag);
    const element = available[key];
    // Bulk data never rides in a C-FIND response; an absent attribute comes back empty (PS3.4 C.2.2.1.2).
    out[key] = element && element.BulkDataURI === undefined ? element : { vr: element?.vr ?? lookupTag(tag)?.vrs[0] ?? 'UN' };
  }
  out[tagKey(Tags.QueryRetrieveLevel)] = { vr: 'CS', Value: [level] };
  out[tagKey(Tags.RetrieveAETitle)] = { vr: 'AE', Value: [retrieveAETitle] };
  return out;
}
