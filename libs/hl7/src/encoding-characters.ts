/**
 * The delimiters of a message (HL7 v2.5.1 2.5.4): the field separator is MSH-1, and MSH-2 gives
 * the component separator, repetition separator, escape character and subcomponent separator, in
 * that order.
 */
export interface EncodingCharacters {
  readonly field: string;
  readonly component: string;
  readonly repetition: string;
  readonly escape: string;
  readonly subcomponent: string;
}

/** The delimiters HL7 recommends (HL7 v2.5.1 Table 2-1), used where a message's own cannot be read. */
export const DEFAULT_ENCODING_CHARACTERS: EncodingCharacters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

/** MSH-2 as the message carries it. */
export function encodingCharactersText(encoding: EncodingCharacters): string {
  return `${encoding.component}${encoding.repetition}${encoding.escape}${encoding.subcomponent}`;
}

/**
 * Why MSH-1 and MSH-2 cannot serve as delimiters, or undefined when they can. Each delimiter is one
 * printable, non-alphanumeric ASCII character, and no two are the same (HL7 v2.5.1 2.5.4). MSH-2
 * has four characters; a fifth, the truncation character of v2.7 (2.5.5.5), is tolerated so that
 * a later version's message is refused for its version rather than for its delimiters.
 */
export function encodingCharactersProblem(field: string, msh2: string): { readonly field: 1 | 2; readonly reason: string } | undefined {
  const usable = (c: string): boolean => /^[\x21-\x7e]$/.test(c) && !/^[A-Za-z0-9]$/.test(c);
  if (!usable(field)) return { field: 1, reason: `the field separator (MSH-1) is ${describe(field)}; it must be a printable ASCII character that is not a letter or a digit` };
  if (msh2.length < 4 || msh2.length > 5) return { field: 2, reason: `MSH-2 has ${msh2.length} characters; it must have the four encoding characters (component, repetition, escape, subcomponent), e.g. ^~\\&` };
  const all = [field, ...msh2];
  for (const c of msh2) {
    if (!usable(c)) return { field: 2, reason: `MSH-2 contains ${describe(c)}; encoding characters are printable ASCII characters that are not letters or digits` };
  }
  if (new Set(all).size !== all.length) return { field: 2, reason: `MSH-2 "${msh2}" repeats a delimiter (the field separator is "${field}"); each delimiter must be different` };
  return undefined;
}

/** The delimiters of MSH-1 and MSH-2, which encodingCharactersProblem has accepted. */
export function encodingCharactersOf(field: string, msh2: string): EncodingCharacters {
  return { field, component: msh2.charAt(0), repetition: msh2.charAt(1), escape: msh2.charAt(2), subcomponent: msh2.charAt(3) };
}

function describe(c: string): string {
  if (c === '') return 'missing';
  const code = c.charCodeAt(0);
  return code < 0x21 || code > 0x7e ? `the byte 0x${code.toString(16).padStart(2, '0')}` : `"${c}"`;
}
