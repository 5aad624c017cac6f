import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail (DICOM PS3.15 A.5, IHE ATNA): every audit message with the fields it is searched
 * by, in one hash chain per tenant (and one for the events of no tenant). Each record carries its
 * sequence in its chain, the hash of the record before it and its own hash; audit_chain_head keeps
 * each chain's last sequence and hash, is locked (SELECT ... FOR UPDATE) by every append so that
 * two writers never fork a chain, and shows records cut off a chain's end.
 */
export class Audit1732310000000 implements MigrationInterface {
  name = 'Audit1732310000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_chain_head (
        chain text PRIMARY KEY,
        last_sequence bigint NOT NULL CHECK (last_sequence >= 0),
        last_hash char(64) NOT NULL
      );

      CREATE TABLE audit_record (
        id bigserial PRIMARY KEY,
        chain text NOT NULL REFERENCES audit_chain_head (chain),
        sequence bigint NOT NULL CHECK (sequence >= 1),
        -- No tenant: the system chain. The tenant stays referenced, so a tenant with an audit trail is never dropped.
        tenant_id text REFERENCES tenant (id),
        record_id uuid NOT NULL UNIQUE,
        event_type text NOT NULL,
        action char(1) NOT NULL CHECK (action IN ('C', 'R', 'U', 'D', 'E')),
        outcome smallint NOT NULL CHECK (outcome IN (0, 4, 8, 12)),
        event_time timestamptz NOT NULL,
        user_ids text[] NOT NULL,
        patient_ids text[] NOT NULL,
        study_instance_uids text[] NOT NULL,
        message text NOT NULL,
        previous_hash char(64) NOT NULL,
        hash char(64) NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        -- A second guard against forks: one record per place in a chain.
        UNIQUE (chain, sequence)
      );
      CREATE INDEX audit_record_by_time ON audit_record (event_time DESC, id DESC);
      CREATE INDEX audit_record_by_tenant_time ON audit_record (tenant_id, event_time DESC);
      CREATE INDEX audit_record_by_type ON audit_record (event_type, event_time DESC);
      CREATE INDEX audit_record_by_user ON audit_record USING gin (user_ids);
      CREATE INDEX audit_record_by_patient ON audit_record USING gin (patient_ids);
      CREATE INDEX audit_record_by_study ON audit_record USING gin (study_instance_uids);

      -- Records are never changed or removed by the application. Whoever can disable this trigger can
      -- also rewrite the table; the hash chain is what shows that they did.
      CREATE FUNCTION audit_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit records are append-only';
      END;
      $$;
      CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record
        FOR EACH ROW EXECUTE FUNCTION audit_record_append_only();
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE audit_record; DROP TABLE audit_chain_head; DROP FUNCTION audit_record_append_only()');
  }
}
