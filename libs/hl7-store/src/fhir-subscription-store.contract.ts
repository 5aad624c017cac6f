import { readSubscription, type SubscriptionRequest } from '@tessera/fhir';
import type { FhirSubscriptionStore } from './fhir-subscription-store.port';

const request = (criteria: string, payload = true): SubscriptionRequest =>
  readSubscription({
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'studies for the AI',
    criteria,
    channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/hook', header: ['X-Key: k1'], ...(payload ? { payload: 'application/fhir+json' } : {}) },
  });
const cause = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The contract every FhirSubscriptionStore adapter meets (STYLE 10). Tenants used: "default", "other". */
export function describeFhirSubscriptionStoreContract(name: string, open: () => Promise<{ store: FhirSubscriptionStore; close: () => Promise<void> }>): void {
  describe(`FhirSubscriptionStore contract: ${name}`, () => {
    let store: FhirSubscriptionStore;
    let close: () => Promise<void>;
    const t0 = new Date('2026-11-22T10:00:00Z');
    const at = (ms: number): Date => new Date(t0.getTime() + ms);
    beforeAll(async () => ({ store, close } = await open()));
    afterAll(async () => close());

    it('keeps subscriptions per tenant, active once created, and gives back what the client asked', async () => {
      const created = await store.create('default', 'sub-1', request('ImagingStudy?patient=p-1'), t0);
      expect(created).toEqual({ ...request('ImagingStudy?patient=p-1'), id: 'sub-1', status: 'active' });
      await store.create('default', 'sub-2', request('ImagingStudy', false), at(1));
      expect(await store.get('default', 'sub-1')).toEqual(created);
      expect(await store.get('other', 'sub-1')).toBeUndefined();
      expect((await store.list('default')).map((s) => [s.id, s.payload])).toEqual([
        ['sub-1', 'application/fhir+json'],
        ['sub-2', ''],
      ]);
      expect(await store.list('other')).toEqual([]);
    });

    it('queues a notification once per cause and subscription, retries it, and marks the subscription by the outcome', async () => {
      expect(await store.enqueue({ tenant: 'default', subscriptionId: 'sub-1', causeEventId: cause(1), studyInstanceUID: '1.2.3', body: '{"resourceType":"ImagingStudy"}' }, t0)).toBe('queued');
      expect(await store.enqueue({ tenant: 'default', subscriptionId: 'sub-1', causeEventId: cause(1), studyInstanceUID: '1.2.3', body: '{}' }, t0)).toBe('duplicate');
      expect(await store.enqueue({ tenant: 'other', subscriptionId: 'sub-1', causeEventId: cause(1), studyInstanceUID: '1.2.3' }, t0)).toBe('duplicate');
      const [claimed] = await store.claimDue(t0, 10, 30_000);
      expect(claimed).toEqual({ id: claimed?.id, tenant: 'default', subscriptionId: 'sub-1', endpoint: 'http://127.0.0.1:9/hook', headers: ['X-Key: k1'], body: '{"resourceType":"ImagingStudy"}', attempts: 1 });
      expect(await store.claimDue(at(1000), 10, 30_000)).toEqual([]);
      await store.settle(claimed?.id as string, { status: 'pending', error: 'HTTP 503', retryAt: at(5000) }, at(1000));
      expect(await store.claimDue(at(4999), 10, 30_000)).toEqual([]);
      const [again] = await store.claimDue(at(5000), 10, 30_000);
      expect(again?.attempts).toBe(2);
      await store.settle(again?.id as string, { status: 'failed', error: 'HTTP 503 (attempt 2 of 2)' }, at(5100));
      expect(await store.get('default', 'sub-1')).toMatchObject({ status: 'error', error: 'HTTP 503 (attempt 2 of 2)' });

      await store.enqueue({ tenant: 'default', subscriptionId: 'sub-1', causeEventId: cause(2), studyInstanceUID: '1.2.4' }, at(6000));
      const [next] = await store.claimDue(at(6000), 10, 30_000);
      expect(next?.body).toBeUndefined();
      await store.settle(next?.id as string, { status: 'sent' }, at(6100));
      expect(await store.get('default', 'sub-1')).toEqual({ ...request('ImagingStudy?patient=p-1'), id: 'sub-1', status: 'active' });
      expect((await store.notifications('default')).map((n) => [n.studyInstanceUID, n.status, n.attempts, n.lastError])).toEqual([
        ['1.2.3', 'failed', 2, 'HTTP 503 (attempt 2 of 2)'],
        ['1.2.4', 'sent', 1, undefined],
      ]);
    });

    it('removes a subscription with what it still had queued', async () => {
      await store.enqueue({ tenant: 'default', subscriptionId: 'sub-2', causeEventId: cause(3), studyInstanceUID: '1.2.5' }, at(7000));
      expect(await store.remove('default', 'sub-2')).toBe(true);
      expect(await store.remove('default', 'sub-2')).toBe(false);
      expect(await store.get('default', 'sub-2')).toBeUndefined();
      expect(await store.claimDue(at(100_000), 10, 30_000)).toEqual([]);
      expect(await store.enqueue({ tenant: 'default', subscriptionId: 'sub-2', causeEventId: cause(4), studyInstanceUID: '1.2.6' }, at(8000))).toBe('duplicate');
    });
  });
}
