import type { IncomingMessage } from '@tessera/bus';
import { StudyStableV1, type StudyStableV1 as StudyStableData } from '@tessera/contracts';
import { SYSTEM_ZONE, type IndexedStudy } from '@tessera/fhir';
import { MemoryFhirSubscriptionStore } from '@tessera/hl7-store';
import type { FhirIndex } from '@tessera/index-store';
import { outboxEntry } from '@tessera/outbox';
import { silentLogger } from '@tessera/telemetry';
import { CreateSubscriptionUseCase } from './create-subscription.use-case';
import { DeleteSubscriptionUseCase } from './delete-subscription.use-case';
import type { NotificationPoster } from './notification-poster';
import { QueueNotificationsUseCase } from './queue-notifications.use-case';
import { ReadSubscriptionsUseCase } from './read-subscriptions.use-case';
import { SendNotificationsUseCase } from './send-notifications.use-case';

const UID = '1.2.826.0.1.3680043.10.7';
const study: IndexedStudy = {
  patientId: '17',
  attributes: { '0020000D': { vr: 'UI', Value: [UID] }, '00080050': { vr: 'SH', Value: ['ACC-7'] } },
  modalitiesInStudy: ['CT'],
  numberOfSeries: 0,
  numberOfInstances: 0,
  series: [],
};
// The index as the FHIR reads see it: one study in the default tenant.
const index: FhirIndex = {
  patient: async () => undefined,
  searchPatients: async () => ({ items: [], total: 0 }),
  study: async (tenant, uid) => (tenant === 'default' && uid === UID ? study : undefined),
  searchStudies: async () => ({ items: [], total: 0 }),
};
const stable = (tenant = 'default'): IncomingMessage => {
  const data: StudyStableData = {
    studyInstanceUID: UID,
    accessionNumber: 'ACC-7',
    patient: { patientID: 'PAT-7', issuerOfPatientID: '' },
    demographics: {},
    modalitiesInStudy: ['CT'],
    numberOfSeries: 1,
    numberOfInstances: 1,
    lastInstanceAt: '2026-11-22T10:00:00.000Z',
    stableAfterSeconds: 60,
  };
  const entry = outboxEntry(StudyStableV1, { tenant, source: 'index@test', correlationId: 'c' }, data, new Date('2026-11-22T10:01:00Z'));
  return { topic: entry.topic, partition: 0, offset: '0', key: entry.key, value: Buffer.from(JSON.stringify(entry.envelope)), headers: entry.headers };
};
const subscription = (criteria: string, payload = true) => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'new studies',
  criteria,
  channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9999/hook', header: ['Authorization: Bearer xyz'], ...(payload ? { payload: 'application/fhir+json' } : {}) },
});

/** A subscriber that answers each POST with the status it is told to, or does not answer. */
class FakeEndpoint implements NotificationPoster {
  readonly received: { endpoint: string; headers: Readonly<Record<string, string>>; body: string | undefined }[] = [];
  constructor(public answers: (number | 'refuse')[]) {}
  async post(endpoint: string, headers: Readonly<Record<string, string>>, body: string | undefined): Promise<number> {
    this.received.push({ endpoint, headers, body });
    const answer = this.answers.shift() ?? 200;
    if (answer === 'refuse') throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9999') });
    return answer;
  }
}

describe('FHIR subscriptions', () => {
  let clock = new Date('2026-11-22T10:02:00Z');
  const now = (): Date => clock;
  let ids = 0;
  const setUp = (answers: FakeEndpoint['answers']) => {
    const store = new MemoryFhirSubscriptionStore();
    const endpoint = new FakeEndpoint(answers);
    let woken = 0;
    const create = new CreateSubscriptionUseCase(store, silentLogger, { now, newId: () => `sub-${++ids}` });
    const queue = new QueueNotificationsUseCase(store, index, () => woken++, silentLogger, { zone: SYSTEM_ZONE, now });
    const send = new SendNotificationsUseCase(store, endpoint, silentLogger, { maxAttempts: 3, retryDelayMs: 1000, maxRetryDelayMs: 1500, timeoutMs: 500 });
    return { store, endpoint, create, queue, send, read: new ReadSubscriptionsUseCase(store), remove: new DeleteSubscriptionUseCase(store, silentLogger), woken: () => woken };
  };
  const created = async (use: CreateSubscriptionUseCase, body: unknown): Promise<string> => {
    const result = await use.execute('default', body, 'integration');
    if (!result.ok) throw result.error;
    return result.value.id as string;
  };
  beforeEach(() => (clock = new Date('2026-11-22T10:02:00Z')));

  it('creates a subscription active, reads it back, lists it in a Bundle, and deletes it', async () => {
    const { create, read, remove } = setUp([]);
    const result = await create.execute('default', subscription('ImagingStudy?patient=17'), 'integration');
    expect(result).toMatchObject({ ok: true, value: { resourceType: 'Subscription', status: 'active', criteria: 'ImagingStudy?patient=17' } });
    const id = result.ok ? (result.value.id as string) : '';
    expect(await read.read('default', id)).toEqual(result);
    expect(await read.read('other', id)).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await read.search('default', [], 'http://x/fhir')).toMatchObject({ ok: true, value: { resourceType: 'Bundle', total: 1, entry: [{ fullUrl: `http://x/fhir/Subscription/${id}` }] } });
    expect(await read.search('default', [['status', 'active']], 'http://x/fhir')).toMatchObject({ ok: false, error: { code: 'invalid-search' } });
    expect(await create.execute('default', subscription('Patient'), 'integration')).toMatchObject({ ok: false, error: { code: 'invalid-resource', expression: 'Subscription.criteria' } });
    expect(await remove.execute('default', id, 'integration')).toEqual({ ok: true, value: undefined });
    expect(await remove.execute('default', id, 'integration')).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('queues one notification per matching subscription and stable study, once per event, with the ImagingStudy only where asked', async () => {
    const { create, queue, store, woken } = setUp([]);
    const withPayload = await created(create, subscription('ImagingStudy?patient=17'));
    const bare = await created(create, subscription('ImagingStudy?identifier=ACC-7', false));
    await created(create, subscription('ImagingStudy?patient=18'));
    const message = stable();
    expect(await queue.handle(message)).toBe(2);
    expect(await queue.handle(message)).toBe(0);
    expect(await queue.handle(stable('other'))).toBe(0);
    expect(woken()).toBe(1);
    const claimed = await store.claimDue(now(), 10, 1000);
    expect(claimed.map((c) => c.subscriptionId)).toEqual([withPayload, bare]);
    expect(JSON.parse(claimed[0]?.body as string)).toMatchObject({ resourceType: 'ImagingStudy', id: UID, subject: { reference: 'Patient/17' }, status: 'available' });
    expect(claimed[1]?.body).toBeUndefined();
  });

  it('POSTs the notification with its headers, retries with a doubling delay, and a delivered one leaves the subscription active', async () => {
    const { create, queue, send, endpoint, store } = setUp(['refuse', 503, 200]);
    const id = await created(create, subscription('ImagingStudy'));
    await queue.handle(stable());
    expect(await send.execute(now)).toBe(1);
    expect((await store.notifications('default'))[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'the endpoint did not answer: connect ECONNREFUSED 127.0.0.1:9999' });
    clock = new Date(clock.getTime() + 999);
    expect(await send.execute(now)).toBe(0);
    clock = new Date(clock.getTime() + 1);
    expect(await send.execute(now)).toBe(1);
    expect((await store.notifications('default'))[0]).toMatchObject({ status: 'pending', attempts: 2, lastError: 'the endpoint answered HTTP 503' });
    clock = new Date(clock.getTime() + 1499);
    expect(await send.execute(now)).toBe(0);
    clock = new Date(clock.getTime() + 1);
    expect(await send.execute(now)).toBe(1);
    expect((await store.notifications('default'))[0]).toMatchObject({ status: 'sent', attempts: 3 });
    expect(await store.get('default', id)).toMatchObject({ status: 'active' });
    expect(endpoint.received[2]).toMatchObject({ endpoint: 'http://127.0.0.1:9999/hook', headers: { Authorization: 'Bearer xyz', 'Content-Type': 'application/fhir+json' } });
    expect(JSON.parse(endpoint.received[2]?.body as string)).toMatchObject({ resourceType: 'ImagingStudy', id: UID });
  });

  it('gives a notification up after the last attempt and sets the subscription to error, until one is delivered again', async () => {
    const { create, queue, send, store, read, endpoint } = setUp([500, 500, 500]);
    const id = await created(create, subscription('ImagingStudy', false));
    await queue.handle(stable());
    for (let i = 0; i < 3; i++) {
      await send.execute(now);
      clock = new Date(clock.getTime() + 10_000);
    }
    expect(await read.read('default', id)).toMatchObject({ ok: true, value: { status: 'error', error: 'the endpoint answered HTTP 500 (attempt 3 of 3)' } });
    expect(await send.execute(now)).toBe(0);
    expect(endpoint.received).toHaveLength(3);
    expect(endpoint.received[0]).toEqual({ endpoint: 'http://127.0.0.1:9999/hook', headers: { Authorization: 'Bearer xyz' }, body: undefined });
    // The study settles again: a subscription in error is still told, and a delivery makes it active.
    await queue.handle(stable());
    await send.execute(now);
    const value = await read.read('default', id);
    expect(value).toMatchObject({ ok: true, value: { status: 'active' } });
    expect(value.ok && value.value.error).toBeUndefined();
    expect((await store.notifications('default')).map((n) => n.status)).toEqual(['failed', 'sent']);
  });
});
