import { isPrivateCreator, isPrivateTag, type Tag } from '../tag';
import type { VR } from '../vr';
import { DATA_ELEMENT_REGISTRY } from './data-elements.generated';

/** What PS3.6 says of a data element. */
export interface DictionaryEntry {
  readonly tag: Tag;
  /** The VRs allowed; more than one for the "US or SS"-style entries. */
  readonly vrs: readonly VR[];
  readonly vm: string;
  readonly keyword: string;
  readonly retired: boolean;
}

interface RepeatingEntry {
  readonly mask: number;
  readonly value: number;
  readonly entry: DictionaryEntry;
}

const byTag = new Map<Tag, DictionaryEntry>();
const byKeyword = new Map<string, DictionaryEntry>();
const repeating: RepeatingEntry[] = [];

for (const line of DATA_ELEMENT_REGISTRY.split('\n')) {
  if (!line) continue;
  const [pattern, vrs, vm, keyword, retired] = line.split(' ') as [string, string, string, string, string | undefined];
  const isRepeating = pattern.includes('x');
  const tag = Number.parseInt(pattern.replace(/x/g, '0'), 16) >>> 0;
  const entry: DictionaryEntry = { tag, vrs: vrs.split('|') as VR[], vm, keyword, retired: retired === 'R' };
  byKeyword.set(keyword, entry);
  if (isRepeating) {
    const mask = Number.parseInt(pattern.replace(/[0-9A-F]/g, 'F').replace(/x/g, '0'), 16) >>> 0;
    repeating.push({ mask, value: tag, entry });
  } else {
    byTag.set(tag, entry);
  }
}

/** The PS3.6 entry of a standard data element (repeating groups such as 60xx resolved), if any. */
export function lookupTag(tag: Tag): DictionaryEntry | undefined {
  const exact = byTag.get(tag);
  if (exact) return exact;
  for (const r of repeating) {
    if (((tag & r.mask) >>> 0) === r.value) return r.entry;
  }
  return undefined;
}

/** The PS3.6 entry of a keyword such as "StudyInstanceUID". */
export function lookupKeyword(keyword: string): DictionaryEntry | undefined {
  return byKeyword.get(keyword);
}

/**
 * The VR to use for an element whose encoding does not carry one (Implicit VR Little Endian, PS3.5 A.1).
 * Group lengths are UL, private creators LO, other private or unknown elements UN. Where PS3.6 allows
 * several VRs, the first is used, except "OB or OW", which is OW in Implicit VR (PS3.5 A.1 c; 8.1.2).
 */
export function implicitVR(tag: Tag): VR {
  if ((tag & 0xffff) === 0 && tag !== 0xfffee000) return 'UL';
  if (isPrivateCreator(tag)) return 'LO';
  if (isPrivateTag(tag)) return 'UN';
  const entry = lookupTag(tag);
  if (!entry) return 'UN';
  const [first] = entry.vrs;
  if (entry.vrs.length > 1 && entry.vrs.includes('OW')) return 'OW';
  return first ?? 'UN';
}
