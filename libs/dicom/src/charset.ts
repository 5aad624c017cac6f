import * as iconv from 'iconv-lite';

/** Decodes the bytes of a character-string value into text. */
export type TextDecoderFn = (bytes: Buffer, isPersonName: boolean) => string;

/**
 * Defined Terms of Specific Character Set (0008,0005) without code extensions (PS3.3 Tables C.12-2
 * and C.12-5), mapped to the iconv-lite encoding that has the same repertoire: how values are read,
 * and (charset-encoder.ts) written.
 */
export const ICONV_ENCODINGS: Readonly<Record<string, string>> = {
  '': 'latin1', // the default repertoire is ASCII; latin1 decodes it identically and never throws
  'ISO_IR 6': 'latin1',
  'ISO_IR 100': 'latin1',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 13': 'shift_jis',
  'ISO_IR 166': 'windows-874',
  'ISO_IR 192': 'utf8',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

// G0 and G1 code elements reachable with ISO 2022 escape sequences (PS3.3 Tables C.12-3 and C.12-4).
type G0 = 'ascii' | 'jisx0201-romaji' | 'jisx0208' | 'jisx0212';
type G1 = 'none' | 'jisx0201-katakana' | 'ksx1001' | 'gb2312' | { single: string };

interface State {
  g0: G0;
  g1: G1;
}

const ESCAPES: ReadonlyArray<{ bytes: readonly number[]; apply: (s: State) => void }> = [
  { bytes: [0x28, 0x42], apply: (s) => (s.g0 = 'ascii') }, // ESC ( B   ISO-IR 6
  { bytes: [0x28, 0x4a], apply: (s) => (s.g0 = 'jisx0201-romaji') }, // ESC ( J   ISO-IR 14
  { bytes: [0x29, 0x49], apply: (s) => (s.g1 = 'jisx0201-katakana') }, // ESC ) I   ISO-IR 13
  { bytes: [0x24, 0x42], apply: (s) => (s.g0 = 'jisx0208') }, // ESC $ B   ISO-IR 87
  { bytes: [0x24, 0x28, 0x44], apply: (s) => (s.g0 = 'jisx0212') }, // ESC $ ( D ISO-IR 159
  { bytes: [0x24, 0x29, 0x43], apply: (s) => (s.g1 = 'ksx1001') }, // ESC $ ) C ISO-IR 149
  { bytes: [0x24, 0x29, 0x41], apply: (s) => (s.g1 = 'gb2312') }, // ESC $ ) A ISO-IR 58
  { bytes: [0x2d, 0x41], apply: (s) => (s.g1 = { single: 'latin1' }) }, // ESC - A ISO-IR 100
  { bytes: [0x2d, 0x42], apply: (s) => (s.g1 = { single: 'iso-8859-2' }) }, // ISO-IR 101
  { bytes: [0x2d, 0x43], apply: (s) => (s.g1 = { single: 'iso-8859-3' }) }, // ISO-IR 109
  { bytes: [0x2d, 0x44], apply: (s) => (s.g1 = { single: 'iso-8859-4' }) }, // ISO-IR 110
  { bytes: [0x2d, 0x4c], apply: (s) => (s.g1 = { single: 'iso-8859-5' }) }, // ISO-IR 144
  { bytes: [0x2d, 0x47], apply: (s) => (s.g1 = { single: 'iso-8859-6' }) }, // ISO-IR 127
  { bytes: [0x2d, 0x46], apply: (s) => (s.g1 = { single: 'iso-8859-7' }) }, // ISO-IR 126
  { bytes: [0x2d, 0x48], apply: (s) => (s.g1 = { single: 'iso-8859-8' }) }, // ISO-IR 138
  { bytes: [0x2d, 0x4d], apply: (s) => (s.g1 = { single: 'iso-8859-9' }) }, // ISO-IR 148
  { bytes: [0x2d, 0x62], apply: (s) => (s.g1 = { single: 'iso-8859-15' }) }, // ISO-IR 203
  { bytes: [0x2d, 0x54], apply: (s) => (s.g1 = { single: 'windows-874' }) }, // ISO-IR 166
];

// The state a value starts in, from the first value of Specific Character Set (PS3.5 6.1.2.5.1).
function initialState(first: string): State {
  const term = first.replace('ISO 2022 IR ', 'ISO_IR ');
  switch (term) {
    case 'ISO_IR 13':
      return { g0: 'jisx0201-romaji', g1: 'jisx0201-katakana' };
    case 'ISO_IR 87':
      return { g0: 'jisx0208', g1: 'none' };
    case 'ISO_IR 149':
      return { g0: 'ascii', g1: 'ksx1001' };
    case 'ISO_IR 58':
      return { g0: 'ascii', g1: 'gb2312' };
    case '':
    case 'ISO_IR 6':
      return { g0: 'ascii', g1: 'none' };
    default: {
      const single = ICONV_ENCODINGS[term];
      return { g0: 'ascii', g1: single ? { single } : 'none' };
    }
  }
}

/**
 * A decoder for string values under a Specific Character Set (0008,0005). Without code extensions the
 * whole value is decoded with one character set; with ISO 2022 code extensions, escape sequences switch
 * the G0/G1 sets and the state returns to the initial one at each delimiter (PS3.5 6.1.2.5.3).
 * Unknown terms fall back to ASCII (latin1) so that a value is never lost.
 */
export function characterSetDecoder(terms: readonly string[] | undefined): TextDecoderFn {
  const values = (terms ?? []).map((t) => t.trim());
  const first = values[0] ?? '';
  const usesExtensions = values.length > 1 || first.startsWith('ISO 2022');
  if (!usesExtensions) {
    const encoding = ICONV_ENCODINGS[first] ?? 'latin1';
    if (encoding === 'latin1') return (bytes) => bytes.toString('latin1');
    if (encoding === 'utf8') return (bytes) => bytes.toString('utf8');
    return (bytes) => iconv.decode(bytes, encoding);
  }
  return (bytes, isPersonName) => decodeIso2022(bytes, first, isPersonName);
}

function decodeIso2022(bytes: Buffer, first: string, isPersonName: boolean): string {
  const state = initialState(first);
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b === 0x1b) {
      const escape = ESCAPES.find((e) => e.bytes.every((x, k) => bytes[i + 1 + k] === x));
      if (escape) {
        escape.apply(state);
        i += 1 + escape.bytes.length;
        continue;
      }
      out += '\u001b';
      i += 1;
      continue;
    }
    if (b < 0x80) {
      if (state.g0 === 'jisx0208' || state.g0 === 'jisx0212') {
        // Two-byte G0 sets: a run of byte pairs up to the next escape or control character.
        let j = i;
        while (j + 1 < bytes.length && (bytes[j] as number) >= 0x21 && (bytes[j] as number) < 0x7f) j += 2;
        if (j > i) {
          const run = Buffer.alloc(state.g0 === 'jisx0212' ? ((j - i) / 2) * 3 : j - i);
          for (let k = i, o = 0; k < j; k += 2) {
            if (state.g0 === 'jisx0212') run[o++] = 0x8f;
            run[o++] = (bytes[k] as number) | 0x80;
            run[o++] = (bytes[k + 1] as number) | 0x80;
          }
          out += iconv.decode(run, 'euc-jp');
          i = j;
          continue;
        }
      }
      const ch = String.fromCharCode(b);
      out += ch;
      i += 1;
      // Delimiters return the code elements to their initial state (PS3.5 6.1.2.5.3).
      if (b === 0x0d || b === 0x0a || b === 0x0c || b === 0x09 || b === 0x5c || (isPersonName && (b === 0x5e || b === 0x3d))) {
        Object.assign(state, initialState(first));
      }
      continue;
    }
    // High half: the G1 set.
    const g1 = state.g1;
    if (g1 === 'ksx1001' || g1 === 'gb2312') {
      let j = i;
      while (j + 1 < bytes.length && (bytes[j] as number) >= 0xa1 && (bytes[j + 1] as number) >= 0xa1) j += 2;
      if (j === i) j = i + 1;
      out += iconv.decode(bytes.subarray(i, j), g1 === 'ksx1001' ? 'euc-kr' : 'gb2312');
      i = j;
    } else if (g1 === 'jisx0201-katakana') {
      out += b >= 0xa1 && b <= 0xdf ? String.fromCharCode(0xff61 + (b - 0xa1)) : '\ufffd';
      i += 1;
    } else if (g1 === 'none') {
      out += String.fromCharCode(b);
      i += 1;
    } else {
      let j = i;
      while (j < bytes.length && (bytes[j] as number) >= 0x80) j += 1;
      out += iconv.decode(bytes.subarray(i, j), g1.single);
      i = j;
    }
  }
  return out;
}
