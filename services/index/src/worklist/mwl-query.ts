import {
  implicitVR,
  inDateTimeRange,
  matchesAll,
  parseTagKey,
  QueryError,
  readIdentifier,
  stringValue,
  tagKey,
  Tags,
  type DicomJsonDataset,
  type MatchKey,
} from '@tessera/dicom';
import { OPEN_STEP_STATUSES, scheduledStepOf, SCHEDULED_STEP_INDEXED_TAGS, WORKLIST_INDEXED_TAGS, WorklistTags, type WorklistFilter } from '@tessera/worklist';

/** Why a worklist identifier cannot be served; the SCP answers A900 with this message. */
export class MwlIdentifierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MwlIdentifierError';
  }
}

/** A Modality Worklist C-FIND identifier read as a query (PS3.4 K.6.1.2). */
export interface MwlQuery {
  /** The keys the store can match itself, to narrow the items before `matches`. */
  readonly filter: Pick<WorklistFilter, 'keys' | 'stepKeys'>;
  /** The request's Specific Character Set, when it names one. */
  readonly characterSet: readonly string[] | undefined;
  /** Whether an item matches every key of the identifier. */
  matches(item: DicomJsonDataset): boolean;
  /** The response identifier for a matching item: exactly the requested attributes (PS3.4 K.2.2.1.2). */
  response(item: DicomJsonDataset): DicomJsonDataset;
}

const SPS_SEQUENCE = WorklistTags.ScheduledProcedureStepSequence;
const START_DATE = WorklistTags.ScheduledProcedureStepStartDate;
const START_TIME = WorklistTags.ScheduledProcedureStepStartTime;
const STATUS = WorklistTags.ScheduledProcedureStepStatus;
// About the request, not attributes of an item (PS3.4 C.4.1.1.3, K.6.1.2): never returned as keys.
const NOT_RETURNED: ReadonlySet<number> = new Set([Tags.SpecificCharacterSet, Tags.QueryRetrieveLevel]);

/**
 * Reads a Modality Worklist identifier. Every attribute is a return key and, with a value, a
 * matching key (PS3.4 K.2.2.1): single value, universal, wildcard, range and UID list matching by
 * VR (PS3.4 C.2.2.2), and sequence matching on the item of the Scheduled Procedure Step Sequence,
 * which must have one item (PS3.4 C.2.2.2.6). Ranges on both Scheduled Procedure Step Start Date and
 * Start Time are one combined date-time range (PS3.4 C.2.2.2.5). Without a key on Scheduled Procedure
 * Step Status, only steps still to be done match (SCHEDULED, ARRIVED, READY). Throws MwlIdentifierError.
 */
export function readMwlQuery(identifier: DicomJsonDataset): MwlQuery {
  const steps = identifier[tagKey(SPS_SEQUENCE)];
  if ((steps?.Value?.length ?? 0) > 1) throw new MwlIdentifierError('The Scheduled Procedure Step Sequence (0040,0100) of an identifier holds one item (PS3.4 C.2.2.2.6)');
  let query;
  try {
    query = readIdentifier(identifier);
  } catch (err) {
    if (err instanceof QueryError) throw new MwlIdentifierError(err.message);
    throw err;
  }
  const stepKey = query.keys.find((k) => k.tag === SPS_SEQUENCE);
  const keys = query.keys.filter((k) => k.tag !== SPS_SEQUENCE && k.kind !== 'universal');
  let stepKeys: MatchKey[] = stepKey?.kind === 'sequence' ? [...stepKey.keys] : [];
  const date = stepKeys.find((k) => k.tag === START_DATE);
  const time = stepKeys.find((k) => k.tag === START_TIME);
  const combined = date?.kind === 'range' && time?.kind === 'range' ? { date, time } : undefined;
  if (combined) stepKeys = stepKeys.filter((k) => k !== combined.time);
  if (!stepKeys.some((k) => k.tag === STATUS)) stepKeys.push({ kind: 'list', tag: STATUS, vr: 'CS', values: OPEN_STEP_STATUSES });
  // The combined span lies within its date range, so the date range alone can narrow the items in SQL.
  const inMemoryStepKeys = combined ? stepKeys.filter((k) => k !== combined.date) : stepKeys;
  return {
    filter: { keys: keys.filter((k) => WORKLIST_INDEXED_TAGS.has(k.tag)), stepKeys: stepKeys.filter((k) => SCHEDULED_STEP_INDEXED_TAGS.has(k.tag)) },
    characterSet: query.characterSet,
    matches: (item) => {
      const step = scheduledStepOf(item);
      if (!matchesAll(item, keys) || !matchesAll(step, inMemoryStepKeys)) return false;
      return !combined || inDateTimeRange(stringValue(step, tagKey(START_DATE)), stringValue(step, tagKey(START_TIME)), combined.date, combined.time);
    },
    response: (item) => project(item, identifier),
  };
}

/**
 * The requested attributes of a data set: each with its value, or empty when the item has none
 * (PS3.4 C.2.2.1.2). A sequence requested with attributes in its item comes back with those attributes
 * of each of its items; one requested empty, or with an empty item, comes back whole (PS3.4 K.2.2.1.2).
 */
function project(stored: DicomJsonDataset, requested: DicomJsonDataset): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const [key, request] of Object.entries(requested)) {
    const tag = parseTagKey(key);
    if (tag === undefined || (tag & 0xffff) === 0 || NOT_RETURNED.has(tag)) continue;
    const element = stored[key];
    if (!element) {
      out[key] = { vr: request.vr === 'UN' ? implicitVR(tag) : request.vr };
      continue;
    }
    const wanted = request.vr === 'SQ' ? (request.Value?.[0] as DicomJsonDataset | undefined) : undefined;
    if (element.vr === 'SQ' && wanted && Object.keys(wanted).length > 0) {
      out[key] = { vr: 'SQ', Value: ((element.Value ?? []) as DicomJsonDataset[]).map((item) => project(item, wanted)) };
    } else {
      out[key] = element;
    }
  }
  return out;
}
