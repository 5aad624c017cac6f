import { MemoryEventBus, type IncomingMessage } from '@tessera/bus';
import { silentLogger } from '@tessera/telemetry';
import { createPgliteTestDatabase, createPostgresTestDatabase, expectEventually, type TestDatabase } from '@tessera/testing';
import { OutboxRelay } from './outbox-relay';
import { appendToOutbox } from './outbox-writer';
import type { OutboxEntry } from './outbox-entry';

const entry = (n: number): OutboxEntry => ({
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  topic: 'tessera.instances',
  key: `default/study-${n % 2}`,
  envelope: { id: String(n), type: 'instance.stored.v1', tenant: 'default', occurredAt: new Date().toISOString(), source: 'test', correlationId: 'c', data: { n } },
  headers: { 'tessera-event-type': 'instance.stored.v1' },
});

/** The bus, noting the `data.n` of each publish request's events. */
function recordingBus(bus: MemoryEventBus, requests: number[][]): MemoryEventBus {
  return { ...bus, publish: async (ms: Parameters<MemoryEventBus['publish']>[0]) => {
    requests.push(ms.map((m) => JSON.parse(m.value.toString()).data.n as number));
    return bus.publish(ms);
  } } as unknown as MemoryEventBus;
}

for (const [name, create] of [
  ['PostgreSQL', createPostgresTestDatabase],
  ['PGlite', createPgliteTestDatabase],
] as const) {
  describe(`OutboxRelay on ${name}`, () => {
    let t: TestDatabase;
    beforeAll(async () => (t = await create()));
    afterAll(async () => t.drop());

    it('publishes in outbox order, once, and keeps events while the bus refuses them', async () => {
      const bus = new MemoryEventBus(silentLogger);
      await bus.ensureTopics(['tessera.instances', 'tessera.dead-letter']);
      const seen: IncomingMessage[] = [];
      await bus.subscribe({ group: 'g', topics: ['tessera.instances'], deadLetterTopic: 'tessera.dead-letter', handler: async (m) => void seen.push(m) });
      await t.db.transaction((m) => appendToOutbox(m, [entry(1), entry(2), entry(3)]));

      const failing = { ...bus, publish: async () => Promise.reject(new Error('broker unreachable')) } as unknown as MemoryEventBus;
      await expect(new OutboxRelay(t.db, failing, silentLogger).relayOnce()).rejects.toThrow('broker unreachable');
      const unpublished = async () => Number(((await t.db.dataSource.query('SELECT count(*) AS n FROM outbox_event WHERE published_at IS NULL')) as { n: string }[])[0]?.n);
      expect(await unpublished()).toBe(3);

      // The failed batch's lease was given back, so it goes at once, first.
      expect(await new OutboxRelay(t.db, bus, silentLogger).relayOnce()).toBe(3);
      expect(seen.map((m) => JSON.parse(m.value.toString()).data.n)).toEqual([1, 2, 3]);
      expect(await unpublished()).toBe(0);
      expect(await new OutboxRelay(t.db, bus, silentLogger).relayOnce()).toBe(0);
    });

    it('runs in the background and publishes soon after notify()', async () => {
      const bus = new MemoryEventBus(silentLogger);
      await bus.ensureTopics(['tessera.instances', 'tessera.dead-letter']);
      const seen: IncomingMessage[] = [];
      await bus.subscribe({ group: 'g2', topics: ['tessera.instances'], deadLetterTopic: 'tessera.dead-letter', handler: async (m) => void seen.push(m) });
      const relay = new OutboxRelay(t.db, bus, silentLogger, { pollIntervalMs: 60_000 });
      relay.start();
      await t.db.transaction((m) => appendToOutbox(m, [entry(10)]));
      relay.notify();
      await expectEventually(() => expect(seen).toHaveLength(1), { timeoutMs: 5000 });
      await relay.stop();
    });

    it('lets events notified close together gather into one publish request', async () => {
      const bus = new MemoryEventBus(silentLogger);
      await bus.ensureTopics(['tessera.instances', 'tessera.dead-letter']);
      const requests: number[][] = [];
      const recording = recordingBus(bus, requests);
      const relay = new OutboxRelay(t.db, recording, silentLogger, { pollIntervalMs: 60_000, lingerMs: 300 });
      relay.start();
      // Whatever an earlier test left: wait until the relay is idle.
      await expectEventually(async () => expect(Number(((await t.db.dataSource.query('SELECT count(*) AS n FROM outbox_event WHERE published_at IS NULL')) as { n: string }[])[0]?.n)).toBe(0), { timeoutMs: 5000 });
      requests.length = 0;
      for (const n of [20, 21, 22]) {
        await t.db.transaction((m) => appendToOutbox(m, [entry(n)]));
        relay.notify();
      }
      await expectEventually(() => expect(requests.flat()).toEqual([20, 21, 22]), { timeoutMs: 5000 });
      expect(requests).toEqual([[20, 21, 22]]);
      await relay.stop();
    });

    it('cuts a batch into publish requests by size, and keeps outbox order across them', async () => {
      const bus = new MemoryEventBus(silentLogger);
      await bus.ensureTopics(['tessera.instances', 'tessera.dead-letter']);
      const requests: number[][] = [];
      const recording = recordingBus(bus, requests);
      await t.db.transaction((m) => appendToOutbox(m, [500, 501, 502, 503, 504].map(entry)));
      expect(await new OutboxRelay(t.db, recording, silentLogger, { maxPublishBytes: 500 }).relayOnce()).toBe(5);
      expect(requests.flat()).toEqual([500, 501, 502, 503, 504]);
      expect(requests.length).toBeGreaterThan(1);
    });

    if (name === 'PostgreSQL') {
      it('lets one relay of several publish, and another take over when it stops', async () => {
        const bus = new MemoryEventBus(silentLogger);
        await bus.ensureTopics(['tessera.instances', 'tessera.dead-letter']);
        await bus.subscribe({ group: 'g3', topics: ['tessera.instances'], deadLetterTopic: 'tessera.dead-letter', handler: async () => undefined });
        let next = 100;
        const published: Record<string, number> = { a: 0, b: 0 };
        const counting = (id: string) => ({ ...bus, ensureTopics: () => bus.ensureTopics([]), publish: async (ms: Parameters<MemoryEventBus['publish']>[0]) => {
          published[id] = (published[id] ?? 0) + ms.length;
          return bus.publish(ms);
        }, subscribe: () => Promise.reject(new Error('unused')), close: async () => undefined });
        const a = new OutboxRelay(t.db, counting('a'), silentLogger, { pollIntervalMs: 20 });
        const b = new OutboxRelay(t.db, counting('b'), silentLogger, { pollIntervalMs: 20 });
        a.start();
        await expectEventually(async () => {
          await t.db.transaction((m) => appendToOutbox(m, [entry(next++)]));
          expect(published.a).toBeGreaterThan(0);
        });
        b.start();
        for (let i = 0; i < 5; i++) await t.db.transaction((m) => appendToOutbox(m, [entry(200 + i)]));
        await expectEventually(async () => expect(Number(((await t.db.dataSource.query('SELECT count(*) AS n FROM outbox_event WHERE published_at IS NULL')) as { n: string }[])[0]?.n)).toBe(0));
        expect(published.b).toBe(0);
        await a.stop();
        await t.db.transaction((m) => appendToOutbox(m, [entry(300)]));
        await expectEventually(() => expect(published.b).toBe(1), { timeoutMs: 10_000 });
        await b.stop();
      });
    }
  });
}
