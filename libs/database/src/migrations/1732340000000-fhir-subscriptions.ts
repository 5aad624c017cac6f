import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * FHIR R4 rest-hook Subscriptions per tenant (FHIR R4 8.21), and the notifications waiting for their
 * endpoints, kept like the HL7 outbound queue: queued when the study.stable event is consumed, before
 * it is committed (its id, per subscription, makes a redelivery queue nothing more), claimed for a
 * while by a sender, retried, and given up as 'failed' after the last attempt, which sets the
 * subscription's status to error. Deleting a subscription drops what it still had queued.
 */
export class FhirSubscriptions1732340000000 implements MigrationInterface {
  name = 'FhirSubscriptions1732340000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE fhir_subscription (
        tenant_id text NOT NULL REFERENCES tenant (id),
        id text NOT NULL,
        status text NOT NULL CHECK (status IN ('requested', 'active', 'error', 'off')),
        criteria text NOT NULL,
        reason text NOT NULL,
        endpoint text NOT NULL,
        -- channel.payload: 'application/fhir+json', or '' for notifications without a body.
        payload text NOT NULL,
        headers jsonb NOT NULL,
        -- Subscription.end as the client wrote it.
        end_at text,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      CREATE TABLE fhir_subscription_notification (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        subscription_id text NOT NULL,
        cause_event_id uuid NOT NULL,
        study_instance_uid text NOT NULL,
        body text,
        status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        FOREIGN KEY (tenant_id, subscription_id) REFERENCES fhir_subscription (tenant_id, id) ON DELETE CASCADE,
        UNIQUE (tenant_id, subscription_id, cause_event_id)
      );
      CREATE INDEX fhir_subscription_notification_due ON fhir_subscription_notification (next_attempt_at) WHERE status = 'pending';
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE fhir_subscription_notification; DROP TABLE fhir_subscription');
  }
}
