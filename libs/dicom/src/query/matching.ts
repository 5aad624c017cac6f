import type { DicomJsonDataset, PersonNameJson } from '../json/dicom-json';
import { tagKey } from '../tag';
import { fuzzyPersonNameMatch } from './fuzzy-person-name';
import type { MatchKey } from './query-model';

/**
 * Whether a data set matches one key (PS3.4 C.2.2.2). An attribute with several values matches when
 * any value does. Person names match case-insensitively on their Alphabetic group (a documented
 * Tessera choice, as dcm4chee and Orthanc offer); everything else is case-sensitive.
 */
export function matchesKey(dataset: DicomJsonDataset, key: MatchKey): boolean {
  if (key.kind === 'universal') return true;
  if (key.kind === 'sequence') {
    const items = (dataset[tagKey(key.tag)]?.Value ?? []) as DicomJsonDataset[];
    return items.some((item) => matchesAll(item, key.keys));
  }
  const candidates = comparableValues(dataset, key);
  // PS3.4 C.2.2.2.1: a key with a value does not match an attribute that is absent or empty.
  if (candidates.length === 0) return false;
  const fold = (s: string): string => (key.vr === 'PN' ? s.toUpperCase() : s);
  switch (key.kind) {
    case 'single':
      return candidates.some((c) => fold(c) === fold(key.value));
    case 'list':
      return candidates.some((c) => key.values.some((v) => fold(c) === fold(v)));
    case 'wildcard': {
      const re = wildcardRegExp(fold(key.pattern));
      return candidates.some((c) => re.test(fold(c)));
    }
    case 'range':
      return candidates.some((c) => inRange(c, key.from, key.to));
    case 'fuzzy':
      return candidates.some((c) => key.alternatives.some((words) => fuzzyPersonNameMatch(c, words)));
  }
}

/** Whether a data set matches every key. */
export function matchesAll(dataset: DicomJsonDataset, keys: readonly MatchKey[]): boolean {
  return keys.every((k) => matchesKey(dataset, k));
}

/** The string forms that matching compares for an attribute (PN: the Alphabetic group). */
export function comparableValues(dataset: DicomJsonDataset, key: Pick<MatchKey, 'tag'>): string[] {
  const values = dataset[tagKey(key.tag)]?.Value ?? [];
  const out: string[] = [];
  for (const v of values) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number') out.push(String(v));
    else if (v && typeof v === 'object' && (v as PersonNameJson).Alphabetic !== undefined) out.push((v as PersonNameJson).Alphabetic as string);
  }
  return out;
}

/** `*` matches any run of characters, `?` any one character (PS3.4 C.2.2.2.4). */
export function wildcardRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/**
 * Range matching (PS3.4 C.2.2.2.5) on the string forms, which order like the values they encode. An
 * upper bound covers what it leaves unspecified: a TM "1230" includes 12:30:59.5, so a value that
 * starts with the bound is within it.
 */
export function inRange(value: string, from: string | undefined, to: string | undefined): boolean {
  return (from === undefined || value >= from) && (to === undefined || value <= to || value.startsWith(to));
}
