import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The AE-title registry: the DICOM nodes each tenant knows (PS3.7 D: an AE is named by its title and
 * reached at host:port), what each may do here, and where each may move studies to. Rejected
 * associations are kept so that they are visible, not only logged.
 */
export class ApplicationEntities1732260000000 implements MigrationInterface {
  name = 'ApplicationEntities1732260000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE application_entity (
        tenant_id text NOT NULL REFERENCES tenant (id),
        ae_title text NOT NULL CHECK (ae_title ~ '^[ -\\[\\]-~]{1,16}$'),
        host text NOT NULL,
        port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
        tls boolean NOT NULL DEFAULT false,
        description text NOT NULL DEFAULT '',
        -- Operations this AE may ask for: ECHO, STORE, FIND, MOVE, GET, COMMIT, MPPS, WORKLIST.
        allowed_operations text[] NOT NULL,
        -- AE titles this AE may send C-MOVE results to; empty means any registered AE of the tenant.
        move_destinations text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, ae_title)
      );

      CREATE TABLE association_rejection (
        id bigserial PRIMARY KEY,
        tenant_id text REFERENCES tenant (id),
        calling_ae_title text NOT NULL,
        called_ae_title text NOT NULL,
        remote_address text NOT NULL,
        reason text NOT NULL,
        rejected_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX association_rejection_recent ON association_rejection (rejected_at DESC);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE association_rejection, application_entity');
  }
}
