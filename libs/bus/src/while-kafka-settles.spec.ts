import { createLogger } from '@tessera/telemetry';
import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { whileKafkaSettles } from './while-kafka-settles';

// What kafkajs throws for UNKNOWN_TOPIC_OR_PARTITION (Kafka error code 3, retriable): it builds the
// error from its table of protocol errors, an object its type declarations do not describe.
const notHosted = () =>
  new KafkaJSProtocolError({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true, message: 'This server does not host this topic-partition' } as unknown as Error);

describe('whileKafkaSettles', () => {
  const fast = { initialDelayMs: 1, maxDelayMs: 2, timeoutMs: 1000 };

  it('tries a start-up step again while Kafka answers with a retriable error, saying so in the log', async () => {
    const lines: string[] = [];
    let calls = 0;
    const result = await whileKafkaSettles(
      'subscribe',
      async () => {
        calls += 1;
        if (calls < 3) throw notHosted();
        return 'subscribed';
      },
      createLogger({ level: 'warn', format: 'json', write: (line) => lines.push(line) }),
      fast,
    );
    expect([result, calls]).toEqual(['subscribed', 3]);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ msg: 'Kafka is not ready yet; trying again', step: 'subscribe', error: 'This server does not host this topic-partition' }),
      expect.objectContaining({ msg: 'Kafka is not ready yet; trying again', step: 'subscribe' }),
    ]);
  });

  it('throws at once an error Kafka does not call retriable, and a retriable one that lasts past the timeout', async () => {
    const logger = createLogger({ level: 'error', format: 'json', write: () => undefined });
    let calls = 0;
    await expect(
      whileKafkaSettles('create topics', async () => {
        calls += 1;
        throw new KafkaJSNonRetriableError('Invalid replication factor');
      }, logger, fast),
    ).rejects.toThrow('Invalid replication factor');
    expect(calls).toBe(1);
    await expect(whileKafkaSettles('create topics', () => Promise.reject(notHosted()), logger, { ...fast, timeoutMs: 20 })).rejects.toThrow('This server does not host this topic-partition');
  });
});
