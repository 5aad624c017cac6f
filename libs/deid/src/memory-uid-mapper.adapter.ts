import { generateUid } from '@tessera/dicom';
import type { UidMapper } from './uid-mapper.port';

/** The in-memory twin of a stored UID mapping: a random new UID per original, remembered for this object's lifetime. */
export class MemoryUidMapper implements UidMapper {
  private readonly mapping = new Map<string, string>();

  async mapUids(uids: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const out = new Map<string, string>();
    for (const uid of uids) {
      let mapped = this.mapping.get(uid);
      if (mapped === undefined) {
        mapped = generateUid();
        this.mapping.set(uid, mapped);
      }
      out.set(uid, mapped);
    }
    return out;
  }

  /** The replacements handed out so far, original to new. */
  entries(): ReadonlyMap<string, string> {
    return this.mapping;
  }
}
