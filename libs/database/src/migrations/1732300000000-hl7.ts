import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * HL7 v2 processing. Every message Tessera applied is recorded under the key HL7 gives it, the
 * sending application and facility (MSH-3, MSH-4) and the message control ID (MSH-10), per tenant:
 * a message sent again finds its record and changes nothing (HL7 v2.5.1 2.10.2, duplicate
 * detection). The record is written in the transaction that applies the message, so a message is
 * recorded exactly when its effect is.
 *
 * Patients merged by ADT^A40 keep their row, pointing at the patient they were merged into, and each
 * merge keeps what undoing it needs: the studies it moved and the prior patient's attributes.
 *
 * Orders (ORM^O01, OMI^O23) are kept per accession number with the worklist item they scheduled.
 */
export class Hl71732300000000 implements MigrationInterface {
  name = 'Hl71732300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE hl7_message (
        tenant_id text NOT NULL REFERENCES tenant (id),
        sending_application text NOT NULL,
        sending_facility text NOT NULL,
        control_id text NOT NULL,
        message_type text NOT NULL,
        -- SHA-256 of the segments after MSH: a resent message is the same message even if its
        -- sender stamped MSH-7 again; another message under a used control ID is not.
        content_sha256 char(64) NOT NULL,
        -- What the message did, for the record and for the answer to a resend.
        effect jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, sending_application, sending_facility, control_id)
      );

      ALTER TABLE patient ADD COLUMN merged_into_fk bigint REFERENCES patient (id);
      CREATE INDEX patient_by_merged_into ON patient (merged_into_fk) WHERE merged_into_fk IS NOT NULL;
      CREATE INDEX study_by_patient ON study (patient_fk);

      CREATE TABLE patient_merge (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenant (id),
        survivor_fk bigint NOT NULL REFERENCES patient (id),
        prior_fk bigint NOT NULL REFERENCES patient (id),
        -- The prior patient's attributes before the merge, which its studies carried.
        prior_attributes jsonb NOT NULL,
        moved_study_instance_uids text[] NOT NULL,
        merged_at timestamptz NOT NULL DEFAULT now(),
        undone_at timestamptz
      );
      CREATE INDEX patient_merge_by_prior ON patient_merge (tenant_id, prior_fk);

      CREATE TABLE imaging_order (
        tenant_id text NOT NULL REFERENCES tenant (id),
        accession_number text NOT NULL,
        placer_order_number text,
        filler_order_number text,
        study_instance_uid text NOT NULL,
        sps_id text NOT NULL,
        -- The Scheduled Procedure Step Status the order's worklist item has.
        status text NOT NULL,
        patient_id text NOT NULL,
        issuer_of_patient_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, accession_number)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE imaging_order, patient_merge, hl7_message;
      DROP INDEX study_by_patient;
      ALTER TABLE patient DROP COLUMN merged_into_fk;
    `);
  }
}
