import { randomUUID } from 'node:crypto';

/**
 * True when text is a UID per PS3.5 9.1: at most 64 characters, components of digits separated by
 * single dots, no component with a leading zero unless it is "0" itself.
 */
export function isValidUid(text: string): boolean {
  if (text.length === 0 || text.length > 64) return false;
  return /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(text);
}

/** A new UID under the 2.25 arc from a random UUID (PS3.5 B.2). */
export function generateUid(): string {
  return uuidToUid(randomUUID());
}

/** The 2.25 UID of a UUID (PS3.5 B.2, ISO/IEC 9834-8). */
export function uuidToUid(uuid: string): string {
  return `2.25.${BigInt(`0x${uuid.replace(/-/g, '')}`).toString(10)}`;
}

/** Tessera's Implementation Class UID (PS3.7 D.3.3.2), a fixed 2.25 UID. */
export const IMPLEMENTATION_CLASS_UID = '2.25.227403127734561384063386316290712961843';
/** Tessera's Implementation Version Name (PS3.7 D.3.3.2.2; at most 16 characters). */
export const IMPLEMENTATION_VERSION_NAME = 'TESSERA_0_1';
