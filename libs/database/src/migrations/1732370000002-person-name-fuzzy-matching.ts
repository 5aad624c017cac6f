import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fuzzy semantic matching of person names for QIDO-RS (fuzzymatching=true, PS3.18 8.3.4.1; PS3.4
 * C.2.2.2.1), as an indexed query: pn_fuzzy_prefixes() gives every beginning of every word of a name,
 * folded as libs/dicom fuzzy-person-name.ts folds it (NFD, combining marks U+0300–U+036F dropped,
 * a–z upper-cased, words split at space ^ = , . ' * -), so that "every query word begins a word of the
 * name" is array containment, which a GIN index on the expression answers.
 */
export class PersonNameFuzzyMatching1732370000002 implements MigrationInterface {
  name = 'PersonNameFuzzyMatching1732370000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION pn_fuzzy_prefixes(name text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT left(w, n)), '{}')
        FROM regexp_split_to_table(upper(regexp_replace(normalize(name, NFD), '[\\u0300-\\u036f]', '', 'g') COLLATE "C"), '[ ^=,.''*-]+') AS w,
             generate_series(1, length(w)) AS n
        WHERE w <> ''
      $$;
      CREATE INDEX study_by_patient_name_fuzzy ON study USING gin (pn_fuzzy_prefixes(patient_name));
      CREATE INDEX study_by_referring_physician_name_fuzzy ON study USING gin (pn_fuzzy_prefixes(referring_physician_name));
      CREATE INDEX patient_by_patient_name_fuzzy ON patient USING gin (pn_fuzzy_prefixes(patient_name));
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX patient_by_patient_name_fuzzy;
      DROP INDEX study_by_referring_physician_name_fuzzy;
      DROP INDEX study_by_patient_name_fuzzy;
      DROP FUNCTION pn_fuzzy_prefixes(text);
    `);
  }
}
