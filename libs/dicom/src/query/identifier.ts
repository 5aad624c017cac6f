import { implicitVR } from '../dictionary/dictionary';
import type { DicomJsonDataset, DicomJsonElement, PersonNameJson } from '../json/dicom-json';
import { parseTagKey, Tags, type Tag } from '../tag';
import { fuzzyKey, matchKey, type MatchKey, type QueryLevel } from './query-model';

/** A C-FIND identifier read as a query (PS3.4 C.2.2.1): what to match and what to return. */
export interface IdentifierQuery {
  readonly level: QueryLevel | undefined;
  readonly keys: readonly MatchKey[];
  /** Every attribute the identifier names: the return keys, in tag order. */
  readonly returnTags: readonly Tag[];
  /** The request's Specific Character Set, when it names one. */
  readonly characterSet: readonly string[] | undefined;
}

// Not keys but about the query itself (PS3.4 C.4.1.1.3): level, character set, time zone.
const NOT_KEYS: ReadonlySet<Tag> = new Set([Tags.SpecificCharacterSet, 0x00080052, Tags.TimezoneOffsetFromUTC]);

/** How to read an identifier's keys beyond PS3.4 C.2.2.2's defaults, as extended negotiation agreed. */
export interface IdentifierOptions {
  /** Fuzzy semantic matching of person names (PS3.4 C.2.2.2.1, C.5.1.1.2): every PN key is fuzzy. */
  readonly fuzzyPersonNames?: boolean;
}

/**
 * Reads a C-FIND identifier: each attribute with a value is a matching key (single value, list,
 * wildcard, range or sequence matching by its VR, PS3.4 C.2.2.2), each attribute at all is a
 * return key; an empty one is universal matching.
 */
export function readIdentifier(identifier: DicomJsonDataset, options: IdentifierOptions = {}): IdentifierQuery {
  const keys: MatchKey[] = [];
  const returnTags: Tag[] = [];
  for (const [key, element] of Object.entries(identifier).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const tag = parseTagKey(key);
    if (tag === undefined || (tag & 0xffff) === 0) continue;
    if (NOT_KEYS.has(tag)) continue;
    returnTags.push(tag);
    keys.push(keyOf(tag, element, options));
  }
  const level = identifier['00080052']?.Value?.[0];
  const characterSet = identifier['00080005']?.Value?.map((v) => (typeof v === 'string' ? v : ''));
  return { level: isLevel(level) ? level : undefined, keys, returnTags, characterSet };
}

function keyOf(tag: Tag, element: DicomJsonElement, options: IdentifierOptions): MatchKey {
  if (element.vr === 'SQ') {
    const [item] = (element.Value ?? []) as DicomJsonDataset[];
    const nested = item ? readIdentifier(item, options).keys.filter((k) => k.kind !== 'universal') : [];
    return nested.length === 0 ? { kind: 'universal', tag, vr: 'SQ' } : { kind: 'sequence', tag, vr: 'SQ', keys: nested };
  }
  const text = (element.Value ?? []).map(asText).join('\\');
  // The VR of the dictionary rules matching; the identifier may carry UN from Implicit VR.
  const vr = element.vr === 'UN' ? implicitVR(tag) : element.vr;
  return options.fuzzyPersonNames && vr === 'PN' ? fuzzyKey(tag, text) : matchKey(tag, vr, text);
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return (value as PersonNameJson).Alphabetic ?? '';
  return String(value);
}

function isLevel(value: unknown): value is QueryLevel {
  return value === 'PATIENT' || value === 'STUDY' || value === 'SERIES' || value === 'IMAGE';
}
