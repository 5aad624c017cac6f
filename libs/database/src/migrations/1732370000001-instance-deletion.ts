import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deletion of studies, series and instances (issue 4): soft delete, then purge.
 *
 * The soft delete deletes the index rows and the catalog rows at once (so every read path, QIDO-RS,
 * WADO-RS, C-FIND, C-MOVE/C-GET and storage commitment, stops finding them without knowing about
 * deletions) and records here the keys of the objects they pointed at. The purge deletes those objects
 * once purge_after has passed, then sets purged_at. An instance stored again meanwhile is a new object
 * under a new key, which no deletion names.
 */
export class InstanceDeletion1732370000001 implements MigrationInterface {
  name = 'InstanceDeletion1732370000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE instance_deletion (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenant (id),
        study_instance_uid text NOT NULL,
        -- Who asked (user id, name, network address).
        requested_by jsonb NOT NULL,
        requested_at timestamptz NOT NULL,
        purge_after timestamptz NOT NULL,
        object_keys text[] NOT NULL,
        purged_at timestamptz
      );
      CREATE INDEX instance_deletion_unpurged ON instance_deletion (purge_after) WHERE purged_at IS NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE instance_deletion');
  }
}
