import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Modality Performed Procedure Steps (PS3.4 F.7) per tenant: the step's status, every attribute the
 * modality sent as DICOM JSON, and the Study Instance UID and Accession Number of its first scheduled
 * step as keys. A change is written in the same transaction as its procedure-step event; revision
 * counts the changes, so that concurrent N-SETs cannot overwrite each other.
 */
export class Mpps1732290000000 implements MigrationInterface {
  name = 'Mpps1732290000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE performed_procedure_step (
        tenant_id text NOT NULL REFERENCES tenant (id),
        sop_instance_uid text NOT NULL,
        -- Performed Procedure Step Status (0040,0252); COMPLETED and DISCONTINUED are final (PS3.4 F.1.5).
        status text NOT NULL CHECK (status IN ('IN PROGRESS', 'COMPLETED', 'DISCONTINUED')),
        study_instance_uid text NOT NULL,
        accession_number text,
        attributes jsonb NOT NULL,
        revision integer NOT NULL CHECK (revision >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, sop_instance_uid)
      );
      CREATE INDEX performed_procedure_step_by_study ON performed_procedure_step (tenant_id, study_instance_uid);
      CREATE INDEX performed_procedure_step_by_accession ON performed_procedure_step (tenant_id, accession_number);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE performed_procedure_step');
  }
}
