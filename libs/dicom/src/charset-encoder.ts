import * as iconv from 'iconv-lite';
import { characterSetDecoder, ICONV_ENCODINGS } from './charset';

/** Encodes the text of a character-string value into bytes; undefined when the character set cannot represent it. */
export type TextEncoderFn = (text: string, isPersonName: boolean) => Buffer | undefined;

// The multi-byte Defined Terms without code extensions (PS3.3 Table C.12-5); the rest of
// ICONV_ENCODINGS are single-byte sets whose C1 range (0x80-0x9F) a value may not use.
const MULTI_BYTE: ReadonlySet<string> = new Set(['GB18030', 'GBK']);

/** A code element of ISO 2022 (PS3.3 Tables C.12-3 and C.12-4): where it is invoked, how it is designated, its bytes. */
interface CodeElement {
  readonly register: 'G0' | 'G1';
  /** The escape sequence that designates it, without the leading ESC. */
  readonly escape: readonly number[];
  /** The bytes of one character in this code element, or undefined when it has no such character. */
  readonly bytesOf: (ch: string) => readonly number[] | undefined;
}

const ASCII: CodeElement = {
  register: 'G0',
  escape: [0x28, 0x42], // ESC ( B  ISO-IR 6
  bytesOf: (ch) => {
    const code = ch.charCodeAt(0);
    return ch.length === 1 && code >= 0x20 && code < 0x7f ? [code] : undefined;
  },
};

// JIS X 0201 Romaji differs from ASCII at 5CH (YEN SIGN) and 7EH (OVERLINE); 5CH is the value delimiter
// and never reaches here, and 7EH is left to ASCII so that "~" keeps its meaning.
const ROMAJI: CodeElement = {
  register: 'G0',
  escape: [0x28, 0x4a], // ESC ( J  ISO-IR 14
  bytesOf: (ch) => (ch === '~' ? undefined : ASCII.bytesOf(ch)),
};

// JIS X 0208 and JIS X 0212 are the EUC-JP code points with the high bit cleared: EUC-JP invokes them in
// GR (JIS X 0212 behind the single shift 8FH) where ISO 2022 invokes them in GL (PS3.5 H.3.1).
const JIS_X_0208: CodeElement = {
  register: 'G0',
  escape: [0x24, 0x42], // ESC $ B  ISO-IR 87
  bytesOf: (ch) => {
    const euc = iconv.encode(ch, 'euc-jp');
    return euc.length === 2 && isGraphicPair(euc[0], euc[1]) ? [(euc[0] as number) & 0x7f, (euc[1] as number) & 0x7f] : undefined;
  },
};

const JIS_X_0212: CodeElement = {
  register: 'G0',
  escape: [0x24, 0x28, 0x44], // ESC $ ( D  ISO-IR 159
  bytesOf: (ch) => {
    const euc = iconv.encode(ch, 'euc-jp');
    return euc.length === 3 && euc[0] === 0x8f && isGraphicPair(euc[1], euc[2]) ? [(euc[1] as number) & 0x7f, (euc[2] as number) & 0x7f] : undefined;
  },
};

// Half-width katakana U+FF61-U+FF9F are JIS X 0201 A1H-DFH in the same order.
const KATAKANA: CodeElement = {
  register: 'G1',
  escape: [0x29, 0x49], // ESC ) I  ISO-IR 13
  bytesOf: (ch) => {
    const code = ch.charCodeAt(0);
    return ch.length === 1 && code >= 0xff61 && code <= 0xff9f ? [0xa1 + code - 0xff61] : undefined;
  },
};

// KS X 1001 and GB 2312 stay in GR with the high bit set: the EUC-KR and EUC-CN bytes (PS3.5 I.2, K.2).
// iconv-lite's tables are the supersets CP949 and CP936, whose extra characters lie outside A1H-FEH.
function gr94x94(escape: readonly number[], encoding: string): CodeElement {
  return {
    register: 'G1',
    escape,
    bytesOf: (ch) => {
      const bytes = iconv.encode(ch, encoding);
      return bytes.length === 2 && isGraphicPair(bytes[0], bytes[1]) ? [...bytes] : undefined;
    },
  };
}

const KS_X_1001 = gr94x94([0x24, 0x29, 0x43], 'euc-kr'); // ESC $ ) C  ISO-IR 149
const GB_2312 = gr94x94([0x24, 0x29, 0x41], 'gb2312'); // ESC $ ) A  ISO-IR 58

// The 96-character sets of ISO 8859 and TIS 620 occupy A0H-FFH of G1; 80H-9FH are C1 controls, not characters.
function gr96(final: number, encoding: string): CodeElement {
  return {
    register: 'G1',
    escape: [0x2d, final],
    bytesOf: (ch) => {
      const bytes = iconv.encode(ch, encoding);
      const b = bytes[0] as number;
      return bytes.length === 1 && b >= 0xa0 && iconv.decode(bytes, encoding) === ch ? [b] : undefined;
    },
  };
}

// What each Defined Term with code extensions brings (PS3.3 Tables C.12-3 and C.12-4). The single-byte
// sets also designate ISO-IR 6 to G0, so they bring ASCII with them.
const EXTENSIONS: Record<string, readonly CodeElement[]> = {
  '': [ASCII],
  'ISO 2022 IR 6': [ASCII],
  'ISO 2022 IR 100': [ASCII, gr96(0x41, 'latin1')],
  'ISO 2022 IR 101': [ASCII, gr96(0x42, 'iso-8859-2')],
  'ISO 2022 IR 109': [ASCII, gr96(0x43, 'iso-8859-3')],
  'ISO 2022 IR 110': [ASCII, gr96(0x44, 'iso-8859-4')],
  'ISO 2022 IR 144': [ASCII, gr96(0x4c, 'iso-8859-5')],
  'ISO 2022 IR 127': [ASCII, gr96(0x47, 'iso-8859-6')],
  'ISO 2022 IR 126': [ASCII, gr96(0x46, 'iso-8859-7')],
  'ISO 2022 IR 138': [ASCII, gr96(0x48, 'iso-8859-8')],
  'ISO 2022 IR 148': [ASCII, gr96(0x4d, 'iso-8859-9')],
  'ISO 2022 IR 203': [ASCII, gr96(0x62, 'iso-8859-15')],
  'ISO 2022 IR 166': [ASCII, gr96(0x54, 'windows-874')],
  'ISO 2022 IR 13': [ROMAJI, KATAKANA],
  'ISO 2022 IR 87': [JIS_X_0208],
  'ISO 2022 IR 159': [JIS_X_0212],
  'ISO 2022 IR 149': [KS_X_1001],
  'ISO 2022 IR 58': [GB_2312],
};

/**
 * An encoder for string values under a Specific Character Set (0008,0005), the inverse of
 * `characterSetDecoder`. Unknown terms allow ASCII only. Every result is read back with the decoder and
 * refused (undefined) unless it gives the same text, so a value is never sent that a peer would read
 * differently from what was meant.
 */
export function characterSetEncoder(terms: readonly string[] | undefined): TextEncoderFn {
  const values = (terms ?? []).map((t) => t.trim());
  const decode = characterSetDecoder(values);
  const encode = rawEncoder(values);
  return (text, isPersonName) => {
    const bytes = encode(text, isPersonName);
    return bytes !== undefined && decode(bytes, isPersonName) === text ? bytes : undefined;
  };
}

/**
 * The Specific Character Set for a response holding these texts: the preferred one (the request's) when
 * it can encode them all, else the default repertoire (`[]`) when they are all ASCII, else UTF-8.
 */
export function chooseCharacterSet(preferred: readonly string[] | undefined, texts: readonly string[]): string[] {
  if (preferred !== undefined && preferred.length > 0) {
    const encode = characterSetEncoder(preferred);
    if (texts.every((text) => encode(text, false) !== undefined)) return [...preferred];
  }
  if (texts.every(isAscii)) return [];
  return ['ISO_IR 192'];
}

function rawEncoder(values: readonly string[]): TextEncoderFn {
  const first = values[0] ?? '';
  if (values.length > 1 || first.startsWith('ISO 2022')) return iso2022Encoder(values);
  if (first === '' || first === 'ISO_IR 6') return (text) => (isAscii(text) ? Buffer.from(text, 'latin1') : undefined);
  if (first === 'ISO_IR 192') return (text) => Buffer.from(text, 'utf8');
  if (first === 'ISO_IR 13') return jisX0201;
  const encoding = ICONV_ENCODINGS[first];
  if (encoding !== undefined && MULTI_BYTE.has(first)) return (text) => iconv.encode(text, encoding);
  if (encoding !== undefined) {
    return (text) => {
      const bytes = iconv.encode(text, encoding);
      return bytes.some((b) => b >= 0x80 && b < 0xa0) ? undefined : bytes;
    };
  }
  return (text) => (isAscii(text) ? Buffer.from(text, 'latin1') : undefined);
}

// ISO_IR 13 without code extensions is JIS X 0201 alone: Romaji in the low half, katakana in the high.
function jisX0201(text: string): Buffer | undefined {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const bytes = code < 0x20 || code === 0x5c ? [code] : (ROMAJI.bytesOf(ch) ?? KATAKANA.bytesOf(ch));
    if (bytes === undefined) return undefined;
    out.push(...bytes);
  }
  return Buffer.from(out);
}

interface Iso2022State {
  g0: CodeElement;
  g1: CodeElement | undefined;
}

function iso2022Encoder(values: readonly string[]): TextEncoderFn {
  const first = values[0] ?? '';
  const firstElements = EXTENSIONS[first] ?? [];
  // The state a value starts in and returns to is that of value 1 (PS3.5 6.1.2.5.3), as the decoder assumes.
  const initial: Iso2022State = {
    g0: firstElements.find((e) => e.register === 'G0') ?? ASCII,
    g1: firstElements.find((e) => e.register === 'G1'),
  };
  const elements = values.flatMap((v) => EXTENSIONS[v] ?? []);
  return (text, isPersonName) => encodeIso2022(text, isPersonName, initial, elements);
}

/**
 * PS3.5 6.1.2.5.3 and Annexes H, I and K: an escape sequence designates a code element just before the
 * first character that needs it, and G0 returns to the initial code element before each delimiter (CR,
 * LF, FF, TAB, backslash, and for PN "^" and "="), before any other control character and at the end of
 * the value. A receiver returns G1 to its initial set at those delimiters too, so a G1 set is designated
 * again after each one (the Korean example of I.2 does so before every name component).
 */
function encodeIso2022(text: string, isPersonName: boolean, initial: Iso2022State, elements: readonly CodeElement[]): Buffer | undefined {
  const out: number[] = [];
  const state: Iso2022State = { ...initial };
  const designate = (element: CodeElement): void => {
    if (element.register === 'G0' ? state.g0 === element : state.g1 === element) return;
    out.push(0x1b, ...element.escape);
    if (element.register === 'G0') state.g0 = element;
    else state.g1 = element;
  };
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    // A literal ESC would be read as the start of an escape sequence.
    if (code === 0x1b) return undefined;
    const delimiter = code === 0x0d || code === 0x0a || code === 0x0c || code === 0x09 || code === 0x5c || (isPersonName && (code === 0x5e || code === 0x3d));
    if (delimiter || code < 0x20 || code === 0x7f) {
      designate(initial.g0);
      out.push(code);
      if (delimiter) state.g1 = initial.g1;
      continue;
    }
    // Prefer what is already designated, so that escape sequences are only written where the set changes.
    const candidates = [state.g0, state.g1, initial.g0, ...elements];
    let bytes: readonly number[] | undefined;
    for (const element of candidates) {
      bytes = element?.bytesOf(ch);
      if (element !== undefined && bytes !== undefined) {
        designate(element);
        break;
      }
    }
    if (bytes === undefined) return undefined;
    out.push(...bytes);
  }
  designate(initial.g0);
  return Buffer.from(out);
}

function isGraphicPair(a: number | undefined, b: number | undefined): boolean {
  return a !== undefined && b !== undefined && a >= 0xa1 && a <= 0xfe && b >= 0xa1 && b <= 0xfe;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
