import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The RIS is the authority on a patient's demographics once it has spoken: a patient created or
 * updated by ADT (A01/A04/A08/A31, the survivor of an A40, the patient of an A47) records when, and
 * the indexer no longer replaces its attributes with those of the instances that arrive for it.
 */
export class RisDemographics1732330000000 implements MigrationInterface {
  name = 'RisDemographics1732330000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE patient ADD COLUMN ris_updated_at timestamptz');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE patient DROP COLUMN ris_updated_at');
  }
}
