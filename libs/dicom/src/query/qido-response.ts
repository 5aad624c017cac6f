import type { DicomJsonDataset, DicomJsonElement } from '../json/dicom-json';
import { tagKey, Tags } from '../tag';
import { DEFAULT_RETURN_TAGS, type QueryModel } from './query-model';

/**
 * One QIDO-RS match (PS3.18 8.3.4, 6.7.1.2.2): the level's default attributes, the includefield ones
 * and the matching keys, taken from `available` (the match's own attributes, those of the levels above
 * and the computed ones). A key or includefield asked for by name but absent comes back empty, as a
 * C-FIND return key would (PS3.4 C.2.2.1.2).
 */
export function composeQueryMatch(query: QueryModel, available: DicomJsonDataset, retrieveUrl: string): DicomJsonDataset {
  const withUrl: DicomJsonDataset = { ...available, [tagKey(Tags.RetrieveURL)]: { vr: 'UR', Value: [retrieveUrl] } };
  const out: DicomJsonDataset = {};
  if (query.includeFields === 'all') {
    Object.assign(out, withUrl);
  } else {
    for (const tag of DEFAULT_RETURN_TAGS[query.level]) {
      const element = withUrl[tagKey(tag)];
      if (element) out[tagKey(tag)] = element;
    }
    const named = [...query.includeFields, ...query.keys.map((k) => k.tag)];
    for (const tag of named) {
      const key = tagKey(tag);
      out[key] = withUrl[key] ?? emptyElement(query, tag);
    }
  }
  return forJson(out);
}

function emptyElement(query: QueryModel, tag: number): DicomJsonElement {
  return { vr: query.keys.find((k) => k.tag === tag)?.vr ?? 'UN' };
}

/**
 * Readies stored attributes for a JSON response: sorted by tag (PS3.18 F.2.1.1), and Specific
 * Character Set saying ISO_IR 192, because JSON text is Unicode whatever the object was encoded in.
 */
export function forJson(dataset: DicomJsonDataset): DicomJsonDataset {
  const keys = Object.keys(dataset).sort();
  const out: DicomJsonDataset = {};
  for (const key of keys) out[key] = dataset[key] as DicomJsonElement;
  const charset = tagKey(Tags.SpecificCharacterSet);
  if (out[charset]?.Value) out[charset] = { vr: 'CS', Value: ['ISO_IR 192'] };
  return out;
}
