import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Undoing a patient merge (issue 5): patient_merge already keeps the prior patient's attributes and
 * the studies the merge moved; it also keeps the orders (Accession Numbers) the merge gave the
 * survivor and the patients merged into the prior one before, which followed it into the survivor,
 * so that an undo gives back exactly those. Merges recorded before have none recorded.
 */
export class PatientMergeUndo1732340000001 implements MigrationInterface {
  name = 'PatientMergeUndo1732340000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE patient_merge ADD COLUMN moved_accession_numbers text[] NOT NULL DEFAULT '{}';
      ALTER TABLE patient_merge ADD COLUMN follower_fks bigint[] NOT NULL DEFAULT '{}';
      CREATE INDEX patient_merge_by_tenant ON patient_merge (tenant_id, id);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX patient_merge_by_tenant; ALTER TABLE patient_merge DROP COLUMN moved_accession_numbers, DROP COLUMN follower_fks');
  }
}
