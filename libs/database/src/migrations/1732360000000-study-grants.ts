import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Studies shared with one person each (issue 6): a referring physician, or a radiologist of another
 * tenant, reads the study until the grant expires or is revoked. Grants are kept after both, for the
 * record; the audit trail has who created and revoked them.
 */
export class StudyGrants1732360000000 implements MigrationInterface {
  name = 'StudyGrants1732360000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE study_grant (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenant (id),
        study_instance_uid text NOT NULL,
        grantee_subject text NOT NULL,
        grantee_issuer text NOT NULL,
        expires_at timestamptz NOT NULL,
        reason text NOT NULL,
        granted_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      CREATE INDEX study_grant_grantee ON study_grant (tenant_id, grantee_subject, grantee_issuer) WHERE revoked_at IS NULL;
      CREATE INDEX study_grant_study ON study_grant (tenant_id, study_instance_uid);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE study_grant');
  }
}
