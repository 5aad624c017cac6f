import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Study "stable" detection (ARCHITECTURE §1, role index). Each study the index takes an instance
 * into gets a deadline, the time of that instance plus STUDY_STABLE_AFTER_S; a sweep of the index role
 * announces the studies whose deadline passed (study.stable.v1, through the outbox, in the
 * transaction that marks them). A new instance moves the deadline and clears the mark, so the study
 * is announced again once it settles again. Kept in the database, a deadline outlives a restart.
 *
 * A study is matched to its order on arrival by tenant and Accession Number: the order records the
 * study it was matched to.
 */
export class StudyStability1732330000001 implements MigrationInterface {
  name = 'StudyStability1732330000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE study_stability (
        tenant_id text NOT NULL,
        study_instance_uid text NOT NULL,
        last_instance_at timestamptz NOT NULL,
        stable_at timestamptz NOT NULL,
        -- When study.stable.v1 was recorded for the current deadline; NULL while it is to come.
        announced_at timestamptz,
        PRIMARY KEY (tenant_id, study_instance_uid),
        FOREIGN KEY (tenant_id, study_instance_uid) REFERENCES study (tenant_id, study_instance_uid)
      );
      CREATE INDEX study_stability_due ON study_stability (stable_at) WHERE announced_at IS NULL;

      ALTER TABLE imaging_order ADD COLUMN matched_study_instance_uid text, ADD COLUMN matched_at timestamptz;
      CREATE INDEX imaging_order_by_matched_study ON imaging_order (tenant_id, matched_study_instance_uid) WHERE matched_study_instance_uid IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX imaging_order_by_matched_study;
      ALTER TABLE imaging_order DROP COLUMN matched_study_instance_uid, DROP COLUMN matched_at;
      DROP TABLE study_stability;
    `);
  }
}
