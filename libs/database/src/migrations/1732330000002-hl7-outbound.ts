import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * HL7 messages Tessera sends (results out: order status to the RIS), kept until the RIS has
 * acknowledged them, like the transactional outbox keeps events: a message is queued in the
 * transaction that consumes its cause (a study.stable event; the event's id makes a redelivery queue
 * nothing more), a sender claims the due ones for a while (so replicas share them), and a restart
 * loses nothing. A message the RIS refuses (AE/AR), or that failed every attempt, stays as 'failed':
 * the dead letter, with the reason.
 */
export class Hl7Outbound1732330000002 implements MigrationInterface {
  name = 'Hl7Outbound1732330000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE hl7_outbound (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenant (id),
        cause_event_id uuid NOT NULL UNIQUE,
        control_id text NOT NULL,
        message_type text NOT NULL,
        accession_number text,
        study_instance_uid text,
        payload bytea NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_error text,
        -- MSA-1 of the RIS's answer, when it answered.
        acknowledgement text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX hl7_outbound_due ON hl7_outbound (next_attempt_at) WHERE status = 'pending';
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE hl7_outbound');
  }
}
