import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Storage commitment requests (PS3.4 J.3), kept from the N-ACTION until the N-EVENT-REPORT is
 * delivered, so that a report outlives a restart or a requester that was not listening. `due_at` is
 * when the request may next be worked on: a claim moves it a lease ahead, a failed delivery to the
 * retry time.
 */
export class StorageCommitment1732270000000 implements MigrationInterface {
  name = 'StorageCommitment1732270000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE storage_commitment (
        tenant_id text NOT NULL REFERENCES tenant (id),
        transaction_uid text NOT NULL,
        requesting_ae_title text NOT NULL,
        called_ae_title text NOT NULL,
        refs jsonb NOT NULL,
        result jsonb,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'reported', 'abandoned')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        due_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        reported_at timestamptz,
        PRIMARY KEY (tenant_id, transaction_uid)
      );
      CREATE INDEX storage_commitment_due ON storage_commitment (due_at) WHERE state = 'pending';
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE storage_commitment');
  }
}
