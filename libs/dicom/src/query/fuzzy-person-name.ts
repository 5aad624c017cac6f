/**
 * Tessera's fuzzy semantic matching of person names (PS3.4 C.2.2.2.1, requested in QIDO-RS with
 * fuzzymatching=true, PS3.18 8.3.4.1; the standard leaves the semantics to the implementation).
 *
 * A name and a query value are each cut into words at the separators below, accents are removed
 * (Unicode canonical decomposition, then the combining diacritical marks U+0300–U+036F dropped) and
 * the letters a–z upper-cased. The name matches when every query word is the beginning of one of
 * its words, in any order and whatever the component: "jo smi" finds "Smith^John", "muller" finds
 * "Müller^Hans", "Garcia Lopez" finds "GARCÍA-LÓPEZ^ANA". `*` in a query value adds nothing (every
 * word is a prefix already) and is dropped.
 *
 * The same rules are one SQL function of the PostgreSQL index (pn_fuzzy_prefixes, in the migration
 * PersonNameFuzzyMatching1732370000000); the two must stay in step.
 */

// Between the words of a name: component (^) and group (=) delimiters, space, and the punctuation
// names are written with.
const SEPARATORS = /[ ^=,.'*-]+/;

/** A person name or query value in the form fuzzy matching compares: no accents, A–Z upper case. */
export function foldPersonName(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[a-z]+/g, (s) => s.toUpperCase());
}

/** The words of a person name or query value, folded (foldPersonName). */
export function personNameWords(value: string): string[] {
  return foldPersonName(value)
    .split(SEPARATORS)
    .filter((w) => w !== '');
}

/** Whether every query word begins some word of the name (see the rules above). */
export function fuzzyPersonNameMatch(name: string, queryWords: readonly string[]): boolean {
  const words = personNameWords(name);
  return queryWords.every((q) => words.some((w) => w.startsWith(q)));
}
