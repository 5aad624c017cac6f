import { isPrivateCreator, isPrivateTag, numberValue, parseTagKey, stringValue, type DicomJsonDataset, type Tag } from '@tessera/dicom';

/** A private data element known not to identify anyone (as PS3.15 Table E.3.10-1 lists them), by block. */
export interface SafePrivateTag {
  /** Private Creator of the block (gggg,00xx), as written in the data set. */
  readonly creator: string;
  /** The odd group number. */
  readonly group: number;
  /** The element within the block: the low byte of the element number (00-FF). */
  readonly element: number;
}

const PRIVATE_DATA_ELEMENT_CHARACTERISTICS = '00080300';

/**
 * The private tags of one data set level that the Retain Safe Private Option (PS3.15 E.3.10) keeps: those
 * that the caller lists as safe, and those that the data set itself declares safe in Private Data
 * Element Characteristics Sequence (0008,0300), a block with Block Identifying Information Status
 * (0008,0303) SAFE or, for MIXED, the elements in Nonidentifying Private Elements (0008,0304) (PS3.3
 * C.12.1.1.7). The Private Creator of each kept block is kept with it (PS3.5 7.8.1).
 */
export function safePrivateTags(dataset: DicomJsonDataset, safeList: readonly SafePrivateTag[]): Set<Tag> {
  const creators = new Map<number, string>(); // (group << 8 | block) → creator
  for (const key of Object.keys(dataset)) {
    const tag = parseTagKey(key);
    if (tag === undefined || !isPrivateCreator(tag)) continue;
    const creator = stringValue(dataset, key);
    if (creator !== undefined) creators.set(((tag >>> 16) << 8) | (tag & 0xff), creator.trim());
  }
  const declared = declaredSafe(dataset);
  const listed = new Set(safeList.map((s) => `${s.group}|${s.creator}|${s.element}`));
  const keep = new Set<Tag>();
  for (const key of Object.keys(dataset)) {
    const tag = parseTagKey(key);
    if (tag === undefined || !isPrivateTag(tag) || isPrivateCreator(tag)) continue;
    const group = tag >>> 16;
    const block = (tag >>> 8) & 0xff;
    const element = tag & 0xff;
    if (block < 0x10) continue; // outside any reserved block: no creator vouches for it
    const creator = creators.get((group << 8) | block);
    if (creator === undefined) continue;
    const status = declared.get(`${group}|${creator}`);
    const safe = listed.has(`${group}|${creator}|${element}`) || status === 'SAFE' || (status instanceof Set && status.has(element));
    if (!safe) continue;
    keep.add(tag);
    keep.add((((group << 16) | block) >>> 0) as Tag);
  }
  return keep;
}

function declaredSafe(dataset: DicomJsonDataset): Map<string, 'SAFE' | Set<number>> {
  const out = new Map<string, 'SAFE' | Set<number>>();
  for (const item of (dataset[PRIVATE_DATA_ELEMENT_CHARACTERISTICS]?.Value ?? []) as DicomJsonDataset[]) {
    const group = numberValue(item, '00080301');
    const creator = stringValue(item, '00080302')?.trim();
    const status = stringValue(item, '00080303')?.trim();
    if (group === undefined || creator === undefined) continue;
    if (status === 'SAFE') out.set(`${group}|${creator}`, 'SAFE');
    else if (status === 'MIXED') {
      const elements = (item['00080304']?.Value ?? []).filter((v): v is number => typeof v === 'number');
      out.set(`${group}|${creator}`, new Set(elements));
    }
  }
  return out;
}
