import type { Logger } from '@tessera/telemetry';
import { KafkaJSError } from 'kafkajs';

/** How long a starting process keeps trying: a broker that has just started (or just created a topic) catches up within seconds. */
export interface SettleOptions {
  readonly timeoutMs: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

const DEFAULTS: SettleOptions = { timeoutMs: 60_000, initialDelayMs: 250, maxDelayMs: 5_000 };

/**
 * Runs a start-up step against Kafka again while it fails with an error Kafka calls retriable. Right
 * after a broker starts, or a topic is created, the broker answers metadata requests for a moment with
 * UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition") or
 * LEADER_NOT_AVAILABLE, and kafkajs passes some of these on from createTopics and subscribe without
 * retrying them itself; the process must not exit for that. Other errors, and retriable ones that
 * last past the timeout, are thrown.
 */
export async function whileKafkaSettles<T>(step: string, work: () => Promise<T>, logger: Logger, options: Partial<SettleOptions> = {}): Promise<T> {
  const o = { ...DEFAULTS, ...options };
  const deadline = Date.now() + o.timeoutMs;
  for (let delay = o.initialDelayMs; ; delay = Math.min(delay * 2, o.maxDelayMs)) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof KafkaJSError) || !err.retriable || Date.now() + delay > deadline) throw err;
      logger.warn('Kafka is not ready yet; trying again', { step, error: err.message, retryInMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
