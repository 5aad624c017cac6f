/**
 * The C action (clean) for free text: "replace with values of similar meaning known not to contain
 * identifying information" (PS3.15 E.1.1). Returns the text to keep (possibly rewritten), or undefined
 * when it cannot vouch for the text, in which case the Basic Profile's action applies instead.
 */
export type TextCleaner = (text: string, identifiers: readonly string[]) => string | undefined;

// Digits runs this long are identifiers (record numbers, accession numbers, phone numbers), not descriptors.
const LONG_NUMBER = /\d{5,}/;
// Calendar dates written as people write them: 12/03/2024, 2024-03-12, 12.03.24.
const WRITTEN_DATE = /\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b/;
const E_MAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/;

/**
 * The default cleaner: keeps a descriptor ("CT CHEST W/O CONTRAST", "T2 AX FLAIR") unless it contains
 * one of this object's identifying values (the patient's name parts, IDs, accession number, birth date,
 * institution and physician names, as `identifiers` lists them), a long number, a written date or an
 * e-mail address. It never rewrites text; a text it cannot vouch for is not kept.
 */
export const conservativeTextCleaner: TextCleaner = (text, identifiers) => {
  if (LONG_NUMBER.test(text) || WRITTEN_DATE.test(text) || E_MAIL.test(text)) return undefined;
  const upper = text.toUpperCase();
  for (const identifier of identifiers) {
    if (identifier.length >= 2 && upper.includes(identifier.toUpperCase())) return undefined;
  }
  return text;
};
