import type { Database } from '@tessera/database';
import { FHIR_JSON_PAYLOAD, readCriteria, type StoredSubscription, type SubscriptionRequest, type SubscriptionStatus } from '@tessera/fhir';
import type { ClaimedNotification, FhirSubscriptionStore, NewNotification, NotificationOutcome, NotificationState } from './fhir-subscription-store.port';

interface SubscriptionRow {
  id: string;
  status: SubscriptionStatus;
  criteria: string;
  reason: string;
  endpoint: string;
  payload: string;
  headers: string[];
  end_at: string | null;
  error: string | null;
}
const COLUMNS = 'id, status, criteria, reason, endpoint, payload, headers, end_at, error';

// The criteria were read when the subscription was created; reading them again gives the same.
const subscriptionOf = (r: SubscriptionRow): StoredSubscription => ({
  id: r.id,
  status: r.status,
  criteria: readCriteria(r.criteria),
  reason: r.reason,
  endpoint: r.endpoint,
  payload: r.payload === FHIR_JSON_PAYLOAD ? FHIR_JSON_PAYLOAD : '',
  headers: r.headers,
  ...(r.end_at !== null ? { end: r.end_at } : {}),
  ...(r.error !== null ? { error: r.error } : {}),
});

/** FHIR subscriptions and their notifications in PostgreSQL (or PGlite): tables fhir_subscription, fhir_subscription_notification. */
export class TypeormFhirSubscriptionStore implements FhirSubscriptionStore {
  constructor(private readonly db: Database) {}

  async create(tenant: string, id: string, request: SubscriptionRequest, now: Date): Promise<StoredSubscription> {
    const rows = (await this.db.dataSource.query(
      `INSERT INTO fhir_subscription (tenant_id, id, status, criteria, reason, endpoint, payload, headers, end_at, created_at)
       VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [tenant, id, request.criteria.text, request.reason, request.endpoint, request.payload, JSON.stringify(request.headers), request.end ?? null, now],
    )) as SubscriptionRow[];
    return subscriptionOf(rows[0] as SubscriptionRow);
  }

  async get(tenant: string, id: string): Promise<StoredSubscription | undefined> {
    const rows = (await this.db.dataSource.query(`SELECT ${COLUMNS} FROM fhir_subscription WHERE tenant_id = $1 AND id = $2`, [tenant, id])) as SubscriptionRow[];
    return rows[0] ? subscriptionOf(rows[0]) : undefined;
  }

  async list(tenant: string): Promise<StoredSubscription[]> {
    const rows = (await this.db.dataSource.query(`SELECT ${COLUMNS} FROM fhir_subscription WHERE tenant_id = $1 ORDER BY created_at, id`, [tenant])) as SubscriptionRow[];
    return rows.map(subscriptionOf);
  }

  async remove(tenant: string, id: string): Promise<boolean> {
    // A bare DELETE … RETURNING comes back from TypeORM as [rows, count]; a CTE as rows.
    const rows = (await this.db.dataSource.query('WITH d AS (DELETE FROM fhir_subscription WHERE tenant_id = $1 AND id = $2 RETURNING id) SELECT id FROM d', [tenant, id])) as unknown[];
    return rows.length > 0;
  }

  async enqueue(n: NewNotification, now: Date): Promise<'queued' | 'duplicate'> {
    const rows = (await this.db.dataSource.query(
      `INSERT INTO fhir_subscription_notification (tenant_id, subscription_id, cause_event_id, study_instance_uid, body, status, next_attempt_at, created_at)
       SELECT tenant_id, id, $3, $4, $5, 'pending', $6, $6 FROM fhir_subscription WHERE tenant_id = $1 AND id = $2
       ON CONFLICT (tenant_id, subscription_id, cause_event_id) DO NOTHING RETURNING id`,
      [n.tenant, n.subscriptionId, n.causeEventId, n.studyInstanceUID, n.body ?? null, now],
    )) as unknown[];
    return rows.length > 0 ? 'queued' : 'duplicate';
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<ClaimedNotification[]> {
    // SKIP LOCKED: what another sender is claiming at this moment is left to it.
    const rows = (await this.db.dataSource.query(
      `WITH claimed AS (
         UPDATE fhir_subscription_notification SET attempts = attempts + 1, next_attempt_at = $2
         WHERE id IN (SELECT id FROM fhir_subscription_notification WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING id, tenant_id, subscription_id, body, attempts)
       SELECT c.*, s.endpoint, s.headers FROM claimed c JOIN fhir_subscription s ON s.tenant_id = c.tenant_id AND s.id = c.subscription_id`,
      [now, new Date(now.getTime() + leaseMs), limit],
    )) as { id: string | number; tenant_id: string; subscription_id: string; body: string | null; attempts: number; endpoint: string; headers: string[] }[];
    return rows
      .map((r) => ({ id: String(r.id), tenant: r.tenant_id, subscriptionId: r.subscription_id, endpoint: r.endpoint, headers: r.headers, ...(r.body !== null ? { body: r.body } : {}), attempts: r.attempts }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  async settle(id: string, outcome: NotificationOutcome, now: Date): Promise<void> {
    switch (outcome.status) {
      case 'sent':
        await this.db.transaction(async (m) => {
          const rows = (await m.query(`WITH u AS (UPDATE fhir_subscription_notification SET status = 'sent', finished_at = $2 WHERE id = $1 RETURNING tenant_id, subscription_id) SELECT * FROM u`, [id, now])) as { tenant_id: string; subscription_id: string }[];
          if (rows[0]) await m.query(`UPDATE fhir_subscription SET status = 'active', error = NULL WHERE tenant_id = $1 AND id = $2`, [rows[0].tenant_id, rows[0].subscription_id]);
        });
        return;
      case 'failed':
        await this.db.transaction(async (m) => {
          const rows = (await m.query(`WITH u AS (UPDATE fhir_subscription_notification SET status = 'failed', last_error = $2, finished_at = $3 WHERE id = $1 RETURNING tenant_id, subscription_id) SELECT * FROM u`, [id, outcome.error, now])) as {
            tenant_id: string;
            subscription_id: string;
          }[];
          if (rows[0]) await m.query(`UPDATE fhir_subscription SET status = 'error', error = $3 WHERE tenant_id = $1 AND id = $2`, [rows[0].tenant_id, rows[0].subscription_id, outcome.error]);
        });
        return;
      case 'pending':
        await this.db.dataSource.query('UPDATE fhir_subscription_notification SET last_error = $2, next_attempt_at = $3 WHERE id = $1', [id, outcome.error, outcome.retryAt]);
        return;
    }
  }

  async notifications(tenant: string): Promise<NotificationState[]> {
    const rows = (await this.db.dataSource.query(
      'SELECT id, subscription_id, study_instance_uid, status, attempts, last_error FROM fhir_subscription_notification WHERE tenant_id = $1 ORDER BY id',
      [tenant],
    )) as { id: string | number; subscription_id: string; study_instance_uid: string; status: NotificationState['status']; attempts: number; last_error: string | null }[];
    return rows.map((r) => ({
      id: String(r.id),
      subscriptionId: r.subscription_id,
      studyInstanceUID: r.study_instance_uid,
      status: r.status,
      attempts: r.attempts,
      ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    }));
  }
}
