import { Hl7Error, Hl7ErrorCode, type Hl7Location } from './hl7-error';

/** How the bytes of a message are text. */
export type TextEncoding = 'ascii' | 'latin1' | 'utf8';

/** A character set of HL7 Table 0211 that this core decodes, and how MSH-18 named it. */
export interface Hl7CharacterSet {
  /** MSH-18 as received ("" when empty: the default, ASCII). An acknowledgement repeats it. */
  readonly code: string;
  readonly encoding: TextEncoding;
}

/** No MSH-18: 7-bit ASCII (HL7 v2.5.1 2.15.9.18). */
export const ASCII: Hl7CharacterSet = { code: '', encoding: 'ascii' };

// HL7 Table 0211 values this core decodes. "UTF-8" alone is not in the table but is what some
// senders put in MSH-18; it can only mean UNICODE UTF-8.
const CHARACTER_SETS: Readonly<Record<string, TextEncoding>> = { ASCII: 'ascii', '8859/1': 'latin1', 'UNICODE UTF-8': 'utf8', 'UTF-8': 'utf8' };

/** The character set MSH-18 names (its first repetition), or undefined for one this core does not decode. */
export function characterSetOf(msh18: string): Hl7CharacterSet | undefined {
  const code = msh18.trim();
  if (code === '') return ASCII;
  const encoding = CHARACTER_SETS[code.toUpperCase()];
  return encoding === undefined ? undefined : { code, encoding };
}

/** The character sets MSH-18 may name, for messages that say which are accepted. */
export const SUPPORTED_CHARACTER_SETS: readonly string[] = ['(empty: ASCII)', 'ASCII', '8859/1', 'UNICODE UTF-8'];

/**
 * The text of a message's bytes in its character set. A byte that is not a character of it is an
 * error located by `locate`, never a silent replacement: a wrong byte in a patient's name would
 * otherwise become a wrong name.
 */
export function decodeText(bytes: Uint8Array, charset: Hl7CharacterSet, locate: (offset: number) => Hl7Location | undefined): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (charset.encoding) {
    case 'ascii': {
      const offset = buffer.findIndex((b) => b > 0x7f);
      if (offset >= 0) {
        throw new Hl7Error(
          Hl7ErrorCode.InvalidCharacters,
          `byte 0x${(buffer[offset] as number).toString(16)} at offset ${offset} is not ASCII, the character set of a message without MSH-18; declare 8859/1 or UNICODE UTF-8 in MSH-18`,
          locate(offset),
        );
      }
      return buffer.toString('latin1');
    }
    // Node's latin1 is ISO 8859-1 proper; TextDecoder's "iso-8859-1" is windows-1252 (WHATWG Encoding).
    case 'latin1':
      return buffer.toString('latin1');
    case 'utf8': {
      const offset = firstInvalidUtf8(buffer);
      if (offset >= 0) throw new Hl7Error(Hl7ErrorCode.InvalidCharacters, `the bytes at offset ${offset} are not UTF-8, the character set MSH-18 declares`, locate(offset));
      return buffer.toString('utf8');
    }
  }
}

/** Text as bytes of a character set; a character it lacks becomes "?" (only a reply to an undecodable message can hold one). */
export function encodeText(text: string, charset: Hl7CharacterSet): Buffer {
  switch (charset.encoding) {
    case 'ascii':
      return Buffer.from(text.replace(/[^\x00-\x7f]/gu, '?'), 'latin1');
    case 'latin1':
      return Buffer.from(text.replace(/[^\x00-\xff]/gu, '?'), 'latin1');
    case 'utf8':
      return Buffer.from(text, 'utf8');
  }
}

/** The offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629 4), or -1. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // The lead byte gives the length and the range of the first continuation byte, which excludes
    // overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + length > bytes.length) return i;
    const second = bytes[i + 1] as number;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const c = bytes[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}
