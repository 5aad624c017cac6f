import { decodeText, type Hl7CharacterSet } from './character-set';
import type { EncodingCharacters } from './encoding-characters';
import type { Hl7Location } from './hl7-error';

/**
 * The text of a value with its escape sequences (HL7 v2.5.1 2.7) resolved: \F\ \S\ \T\ \R\ \E\
 * become the delimiter they stand for, and \Xhh…\ the characters its bytes are in the message's
 * character set. The formatting (\H\ \N\ \.br\ …, 2.7.6), character set (\C…\ \M…\, 2.7.4) and
 * locally defined (\Z…\) sequences stay as they are, for whoever renders the text; so does an
 * escape character without a closing one.
 */
export function unescapeValue(value: string, encoding: EncodingCharacters, charset: Hl7CharacterSet, location: Hl7Location): string {
  const esc = encoding.escape;
  if (!value.includes(esc)) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const start = value.indexOf(esc, i);
    const end = start < 0 ? -1 : value.indexOf(esc, start + 1);
    if (start < 0 || end < 0) {
      out += value.slice(i);
      break;
    }
    out += value.slice(i, start);
    const sequence = value.slice(start + 1, end);
    out += resolve(sequence, encoding, charset, location) ?? `${esc}${sequence}${esc}`;
    i = end + 1;
  }
  return out;
}

function resolve(sequence: string, encoding: EncodingCharacters, charset: Hl7CharacterSet, location: Hl7Location): string | undefined {
  switch (sequence) {
    case 'F':
      return encoding.field;
    case 'S':
      return encoding.component;
    case 'T':
      return encoding.subcomponent;
    case 'R':
      return encoding.repetition;
    case 'E':
      return encoding.escape;
  }
  if (/^X(?:[0-9A-Fa-f]{2})+$/.test(sequence)) return decodeText(Buffer.from(sequence.slice(1), 'hex'), charset, () => location);
  return undefined;
}

/**
 * A value as it is written in a field: each delimiter and the escape character replaced by its
 * escape sequence (HL7 v2.5.1 2.7.1), and CR and LF, which would end the segment, by \X0D\ and \X0A\.
 */
export function escapeValue(value: string, encoding: EncodingCharacters): string {
  const esc = encoding.escape;
  const sequences = new Map<string, string>([
    [esc, 'E'],
    [encoding.field, 'F'],
    [encoding.component, 'S'],
    [encoding.subcomponent, 'T'],
    [encoding.repetition, 'R'],
    ['\r', 'X0D'],
    ['\n', 'X0A'],
  ]);
  let out = '';
  for (const c of value) {
    const sequence = sequences.get(c);
    out += sequence === undefined ? c : `${esc}${sequence}${esc}`;
  }
  return out;
}
