import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A deletion's audit record is durable (IHE ATNA; PS3.15 A.5.3.8 Study Deleted, A.5.3.2 Instances
 * Accessed "D"): what the record says is kept with the deletion in the transaction that deletes the
 * rows, and audited_at is set once the audit trail has it. The purge sweep writes the records that
 * are still missing (the trail was down when the deletion committed). Deletions made before this
 * migration were audited when they were made.
 */
export class DeletionAudit1732380000000 implements MigrationInterface {
  name = 'DeletionAudit1732380000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE instance_deletion ADD COLUMN audit jsonb, ADD COLUMN audited_at timestamptz;
      UPDATE instance_deletion SET audited_at = requested_at;
      CREATE INDEX instance_deletion_unaudited ON instance_deletion (requested_at) WHERE audited_at IS NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX instance_deletion_unaudited; ALTER TABLE instance_deletion DROP COLUMN audit, DROP COLUMN audited_at');
  }
}
