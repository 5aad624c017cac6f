import type { StoredSubscription, SubscriptionRequest } from '@tessera/fhir';
import type { ClaimedNotification, FhirSubscriptionStore, NewNotification, NotificationOutcome, NotificationState } from './fhir-subscription-store.port';

interface Row {
  readonly tenant: string;
  subscription: StoredSubscription;
}
interface Queued {
  readonly notification: NewNotification;
  state: { -readonly [K in keyof NotificationState]: NotificationState[K] };
  nextAttemptAt: number;
}

/** The in-memory twin of the FHIR subscription store, for unit tests. */
export class MemoryFhirSubscriptionStore implements FhirSubscriptionStore {
  private readonly rows: Row[] = [];
  private readonly queue: Queued[] = [];
  private nextId = 1;

  async create(tenant: string, id: string, request: SubscriptionRequest, _now: Date): Promise<StoredSubscription> {
    const subscription: StoredSubscription = { ...request, id, status: 'active' };
    this.rows.push({ tenant, subscription });
    return subscription;
  }

  async get(tenant: string, id: string): Promise<StoredSubscription | undefined> {
    return this.rows.find((r) => r.tenant === tenant && r.subscription.id === id)?.subscription;
  }

  async list(tenant: string): Promise<StoredSubscription[]> {
    return this.rows.filter((r) => r.tenant === tenant).map((r) => r.subscription);
  }

  async remove(tenant: string, id: string): Promise<boolean> {
    const at = this.rows.findIndex((r) => r.tenant === tenant && r.subscription.id === id);
    if (at < 0) return false;
    this.rows.splice(at, 1);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const q = this.queue[i] as Queued;
      if (q.notification.tenant === tenant && q.notification.subscriptionId === id) this.queue.splice(i, 1);
    }
    return true;
  }

  async enqueue(notification: NewNotification, now: Date): Promise<'queued' | 'duplicate'> {
    const { tenant, subscriptionId, causeEventId, studyInstanceUID } = notification;
    if (!(await this.get(tenant, subscriptionId))) return 'duplicate';
    if (this.queue.some((q) => q.notification.tenant === tenant && q.notification.subscriptionId === subscriptionId && q.notification.causeEventId === causeEventId)) return 'duplicate';
    this.queue.push({ notification, state: { id: String(this.nextId++), subscriptionId, studyInstanceUID, status: 'pending', attempts: 0 }, nextAttemptAt: now.getTime() });
    return 'queued';
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<ClaimedNotification[]> {
    const due = this.queue.filter((q) => q.state.status === 'pending' && q.nextAttemptAt <= now.getTime()).slice(0, limit);
    return Promise.all(
      due.map(async (q) => {
        q.state.attempts += 1;
        q.nextAttemptAt = now.getTime() + leaseMs;
        const { tenant, subscriptionId, body } = q.notification;
        const subscription = (await this.get(tenant, subscriptionId)) as StoredSubscription;
        return { id: q.state.id, tenant, subscriptionId, endpoint: subscription.endpoint, headers: subscription.headers, ...(body !== undefined ? { body } : {}), attempts: q.state.attempts };
      }),
    );
  }

  async settle(id: string, outcome: NotificationOutcome, _now: Date): Promise<void> {
    const q = this.queue.find((n) => n.state.id === id);
    if (!q) return;
    q.state.status = outcome.status;
    if (outcome.status === 'pending') q.nextAttemptAt = outcome.retryAt.getTime();
    if (outcome.status !== 'sent') q.state.lastError = outcome.error;
    const row = this.rows.find((r) => r.tenant === q.notification.tenant && r.subscription.id === q.notification.subscriptionId);
    if (!row) return;
    if (outcome.status === 'sent') {
      const active = { ...row.subscription, status: 'active' as const };
      delete active.error;
      row.subscription = active;
    }
    if (outcome.status === 'failed') row.subscription = { ...row.subscription, status: 'error', error: outcome.error };
  }

  async notifications(tenant: string): Promise<NotificationState[]> {
    return this.queue.filter((q) => q.notification.tenant === tenant).map((q) => ({ ...q.state }));
  }
}
