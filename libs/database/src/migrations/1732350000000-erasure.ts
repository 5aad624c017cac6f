import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure of a patient (issue 6) and the legal hold that blocks it.
 *
 * A legal hold is kept per tenant and patient identity (Patient ID, Issuer of Patient ID), whether or
 * not the index has the patient yet: a hold may come before the images do.
 *
 * An erasure is a job: the transaction that deletes the patient's rows records the job with the keys
 * of the objects those rows pointed at, so that the objects can be deleted afterwards, and again after
 * a crash (a sweep finishes unfinished jobs), without any row ever pointing at a deleted object. The
 * job keeps the patient's identifier, the reason and who asked, never demographics: it is the record
 * that the erasure happened, as the audit trail is.
 */
export class Erasure1732350000000 implements MigrationInterface {
  name = 'Erasure1732350000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE patient_legal_hold (
        tenant_id text NOT NULL REFERENCES tenant (id),
        patient_id text NOT NULL,
        issuer_of_patient_id text NOT NULL,
        reason text NOT NULL,
        set_by text NOT NULL,
        set_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, patient_id, issuer_of_patient_id)
      );

      CREATE TABLE patient_erasure (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenant (id),
        patient_id text NOT NULL,
        issuer_of_patient_id text NOT NULL,
        reason text NOT NULL,
        -- Who asked (user id, name, network address), for the audit messages.
        requested_by jsonb NOT NULL,
        requested_at timestamptz NOT NULL,
        -- Each erased study: its UID, accession number and SOP classes with their instance counts.
        studies jsonb NOT NULL,
        object_keys text[] NOT NULL,
        audited_at timestamptz,
        finished_at timestamptz
      );
      CREATE INDEX patient_erasure_unfinished ON patient_erasure (requested_at) WHERE finished_at IS NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE patient_erasure, patient_legal_hold');
  }
}
