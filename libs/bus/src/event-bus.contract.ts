import { expectEventually } from '@tessera/testing';
import { DeadLetterHeaders } from '@tessera/contracts';
import { PermanentError, type EventBus, type IncomingMessage } from './bus.port';

/** The behaviour every EventBus adapter must have (STYLE 10): Kafka's semantics, in process or not. */
export function describeEventBusContract(name: string, create: () => Promise<{ bus: EventBus; close: () => Promise<void> }>): void {
  describe(`EventBus contract: ${name}`, () => {
    let bus: EventBus;
    let close: () => Promise<void>;
    const run = Math.random().toString(36).slice(2, 8);
    const topic = (t: string) => `contract.${run}.${t}`;

    beforeAll(async () => {
      ({ bus, close } = await create());
      await bus.ensureTopics(['a', 'b', 'c', 'd', 'e', 'f', 'dead', 'dead-f'].map(topic));
    });
    afterAll(async () => close());

    it('delivers key, value and headers to a subscriber, and every message to every group', async () => {
      const seenA: IncomingMessage[] = [];
      const seenB: IncomingMessage[] = [];
      const a = await bus.subscribe({ group: `g1-${run}`, topics: [topic('a')], deadLetterTopic: topic('dead'), handler: async (m) => void seenA.push(m) });
      const b = await bus.subscribe({ group: `g2-${run}`, topics: [topic('a')], deadLetterTopic: topic('dead'), handler: async (m) => void seenB.push(m) });
      await bus.publish([{ topic: topic('a'), key: 'study-1', value: Buffer.from('{"n":1}'), headers: { 'tessera-event-type': 'x.v1' } }]);
      await expectEventually(() => expect(seenA.length + seenB.length).toBe(2), { timeoutMs: 30_000 });
      expect(seenA[0]).toMatchObject({ topic: topic('a'), key: 'study-1', headers: { 'tessera-event-type': 'x.v1' } });
      expect(seenA[0]?.value.toString()).toBe('{"n":1}');
      await a.close();
      await b.close();
    });

    it('carries a message of several MiB (an event with a large header)', async () => {
      const seen: Buffer[] = [];
      const sub = await bus.subscribe({ group: `large-${run}`, topics: [topic('a')], deadLetterTopic: topic('dead'), handler: async (m) => void (m.value.length > 1024 && seen.push(m.value)) });
      const big = Buffer.alloc(3 * 1024 * 1024, 'x');
      await bus.publish([{ topic: topic('a'), key: 'big', value: big }]);
      await expectEventually(() => expect(seen.map((b) => b.equals(big))).toEqual([true]), { timeoutMs: 30_000 });
      await sub.close();
    });

    it('keeps the order of messages with the same key', async () => {
      const seen: string[] = [];
      const sub = await bus.subscribe({ group: `order-${run}`, topics: [topic('b')], deadLetterTopic: topic('dead'), handler: async (m) => void seen.push(`${m.key}:${m.value.toString()}`) });
      for (let i = 0; i < 30; i++) await bus.publish([{ topic: topic('b'), key: `k${i % 3}`, value: Buffer.from(String(i)) }]);
      await expectEventually(() => expect(seen).toHaveLength(30), { timeoutMs: 30_000 });
      for (const key of ['k0', 'k1', 'k2']) {
        const values = seen.filter((s) => s.startsWith(`${key}:`)).map((s) => Number(s.split(':')[1]));
        expect(values).toEqual([...values].sort((x, y) => x - y));
      }
      await sub.close();
    });

    it('hands waiting messages of a key to the batch handler together, in order, each once', async () => {
      const batches: string[][] = [];
      const singles: string[] = [];
      const sub = await bus.subscribe({
        group: `batch-${run}`,
        topics: [topic('e')],
        deadLetterTopic: topic('dead'),
        maxBatchSize: 8,
        batchHandler: async (ms) => void batches.push(ms.map((m) => m.value.toString())),
        handler: async (m) => void singles.push(m.value.toString()),
      });
      await bus.publish(Array.from({ length: 20 }, (_, i) => ({ topic: topic('e'), key: 'study', value: Buffer.from(String(i)) })));
      await expectEventually(() => expect(batches.flat().length + singles.length).toBe(20), { timeoutMs: 30_000 });
      // Singles only for a message that waited alone; together, every message once and in order.
      const handled = [...batches.map((b) => ({ first: Number(b[0]), values: b })), ...singles.map((v) => ({ first: Number(v), values: [v] }))].sort((x, y) => x.first - y.first).flatMap((h) => h.values);
      expect(handled).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
      expect(batches.some((b) => b.length > 1)).toBe(true);
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(8);
      await sub.close();
    });

    it('falls back to one message at a time when a batch fails, retrying and dead-lettering each as usual', async () => {
      const dead: string[] = [];
      // Its own dead-letter topic: a later test reads the shared one from its beginning.
      const deadSub = await bus.subscribe({ group: `batch-dead-${run}`, topics: [topic('dead-f')], deadLetterTopic: topic('dead-f'), handler: async (m) => void dead.push(m.value.toString()) });
      const singles: string[] = [];
      const sub = await bus.subscribe({
        group: `batch-poison-${run}`,
        topics: [topic('f')],
        deadLetterTopic: topic('dead-f'),
        retryDelayMs: 10,
        batchHandler: async (ms) => {
          if (ms.some((m) => m.value.toString() === 'poison')) throw new Error('one of them breaks the batch');
          for (const m of ms) singles.push(m.value.toString());
        },
        handler: async (m) => {
          if (m.value.toString() === 'poison') throw new PermanentError('breaks its schema');
          singles.push(m.value.toString());
        },
      });
      await bus.publish(['a', 'b', 'poison', 'c', 'd'].map((v) => ({ topic: topic('f'), key: 'study', value: Buffer.from(v) })));
      await expectEventually(() => expect(dead).toEqual(['poison']), { timeoutMs: 30_000 });
      await expectEventually(() => expect(singles).toEqual(['a', 'b', 'c', 'd']), { timeoutMs: 30_000 });
      await sub.close();
      await deadSub.close();
    });

    it('redelivers a message whose handling failed until it succeeds', async () => {
      let attempts = 0;
      const done: string[] = [];
      const sub = await bus.subscribe({
        group: `retry-${run}`,
        topics: [topic('c')],
        deadLetterTopic: topic('dead'),
        retryDelayMs: 20,
        handler: async (m) => {
          attempts += 1;
          if (attempts < 3) throw new Error('database briefly down');
          done.push(m.value.toString());
        },
      });
      await bus.publish([{ topic: topic('c'), key: 'k', value: Buffer.from('once') }]);
      await expectEventually(() => expect(done).toEqual(['once']), { timeoutMs: 30_000 });
      expect(attempts).toBe(3);
      await sub.close();
    });

    it('dead-letters a message after its attempts, and a permanent failure at once, with the reason in headers', async () => {
      const dead: IncomingMessage[] = [];
      const deadSub = await bus.subscribe({ group: `dead-${run}`, topics: [topic('dead')], deadLetterTopic: topic('dead'), handler: async (m) => void dead.push(m) });
      const sub = await bus.subscribe({
        group: `poison-${run}`,
        topics: [topic('d')],
        deadLetterTopic: topic('dead'),
        maxAttempts: 2,
        retryDelayMs: 10,
        handler: async (m) => {
          if (m.value.toString() === 'permanent') throw new PermanentError('breaks its schema');
          throw new Error('always fails');
        },
      });
      await bus.publish([{ topic: topic('d'), key: 'p', value: Buffer.from('transient') }]);
      await bus.publish([{ topic: topic('d'), key: 'q', value: Buffer.from('permanent') }]);
      await expectEventually(() => expect(dead).toHaveLength(2), { timeoutMs: 30_000 });
      const byValue = Object.fromEntries(dead.map((m) => [m.value.toString(), m.headers]));
      expect(byValue.transient).toMatchObject({ [DeadLetterHeaders.Topic]: topic('d'), [DeadLetterHeaders.Error]: 'always fails', [DeadLetterHeaders.Attempts]: '2', [DeadLetterHeaders.Group]: `poison-${run}` });
      expect(byValue.permanent).toMatchObject({ [DeadLetterHeaders.Error]: 'breaks its schema', [DeadLetterHeaders.Attempts]: '1' });
      await sub.close();
      await deadSub.close();
    });
  });
}
