import { createHmac } from 'node:crypto';
import type { UidMapper } from './uid-mapper.port';

/**
 * The replacement of a UID within a project: HMAC-SHA-256 of the original under the project's secret,
 * its first 128 bits made a version 8 (custom) UUID (RFC 9562 5.8) and written as a 2.25 UID (PS3.5 B.2).
 * Deterministic, so every file of the project gets the same replacement without shared state; without
 * the secret, the original cannot be recovered or tested for.
 */
export function hmacUid(secret: string | Buffer, uid: string): string {
  const digest = createHmac('sha256', secret).update(uid, 'latin1').digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80; // version 8
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // variant 10
  return `2.25.${BigInt(`0x${bytes.toString('hex')}`).toString(10)}`;
}

/** A UidMapper that needs no storage: each UID is replaced by hmacUid under the project's secret. */
export class HmacUidMapper implements UidMapper {
  constructor(private readonly secret: string | Buffer) {
    if (secret.length < 16) throw new RangeError('A UID mapping secret needs at least 16 bytes');
  }

  async mapUids(uids: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return new Map(uids.map((uid) => [uid, hmacUid(this.secret, uid)]));
  }
}
