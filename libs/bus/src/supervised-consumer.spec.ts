import { createLogger } from '@tessera/telemetry';
import { EventEmitter } from 'node:events';
import { type ConsumerCrash, SupervisedConsumer } from './supervised-consumer';

/** A consumer as the supervisor sees it: crashes are emitted by the test, as kafkajs emits them. */
class FakeConsumer {
  private readonly events = new EventEmitter();
  disconnected = false;

  constructor(readonly n: number) {}

  on(event: 'consumer.crash', listener: (event: ConsumerCrash) => void): void {
    this.events.on(event, listener);
  }

  crash(restart: boolean): void {
    this.events.emit('consumer.crash', { payload: { error: new Error('Failed to find group coordinator'), restart } });
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met');
};

describe('SupervisedConsumer', () => {
  const fast = { firstMs: 1, maxMs: 4 };

  function setUp(failStarts = 0) {
    const started: FakeConsumer[] = [];
    const lines: Record<string, unknown>[] = [];
    let attempts = 0;
    const supervised = new SupervisedConsumer<FakeConsumer>(
      async (watch) => {
        attempts += 1;
        const consumer = new FakeConsumer(attempts);
        watch(consumer);
        if (attempts > 1 && attempts <= 1 + failStarts) throw new Error('ECONNREFUSED');
        started.push(consumer);
        return consumer;
      },
      createLogger({ level: 'warn', format: 'json', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }),
      'tessera.index',
      fast,
    );
    return { supervised, started, lines, attempts: () => attempts };
  }

  it('starts a new consumer after a crash kafkajs does not restart, and lets the crashed one go', async () => {
    const s = setUp();
    await s.supervised.begin();
    s.started[0]?.crash(false);
    await until(() => s.started.length === 2);
    expect(s.started[0]?.disconnected).toBe(true);
    expect(s.started[1]?.disconnected).toBe(false);
    expect(s.lines.map((l) => [l.level, l.msg, l.consumer])).toEqual([
      ['error', 'Kafka consumer stopped after an error kafkajs does not retry; starting a new one', 'tessera.index'],
      ['warn', 'Kafka consumer started again', 'tessera.index'],
    ]);
    // The new one is watched too.
    s.started[1]?.crash(false);
    await until(() => s.started.length === 3);
    await s.supervised.close();
    expect(s.started[2]?.disconnected).toBe(true);
  });

  it('leaves a crash that kafkajs restarts itself to kafkajs', async () => {
    const s = setUp();
    await s.supervised.begin();
    s.started[0]?.crash(true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(s.attempts()).toBe(1);
    expect(s.started[0]?.disconnected).toBe(false);
  });

  it('keeps trying while starting fails, with growing pauses, and stops trying once closed', async () => {
    const s = setUp(3);
    await s.supervised.begin();
    s.started[0]?.crash(false);
    await until(() => s.started.length === 2);
    expect(s.attempts()).toBe(5);
    expect(s.lines.filter((l) => l.msg === 'starting the Kafka consumer again failed; trying again').map((l) => l.nextInMs)).toEqual([2, 4, 4]);

    const closing = setUp(1000);
    await closing.supervised.begin();
    closing.started[0]?.crash(false);
    await until(() => closing.attempts() >= 3);
    await closing.supervised.close();
    const after = closing.attempts();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closing.attempts()).toBe(after);
  });
});
