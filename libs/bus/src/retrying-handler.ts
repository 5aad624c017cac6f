import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@tessera/telemetry';
import { DeadLetterHeaders } from '@tessera/contracts';
import { PermanentError, type IncomingMessage, type OutgoingMessage, type SubscriptionOptions } from './bus.port';

const MAX_DELAY_MS = 30_000;

/**
 * Wraps a handler so that a failing message is retried with exponential backoff, in place (later
 * messages of its partition wait, preserving per-key order), and after the last attempt is published
 * to the dead-letter topic so that one poison message cannot stop a partition for good.
 * `stop` lets a closing subscription end the wait early; the message is then left unacknowledged.
 */
export function retryingHandler(
  options: SubscriptionOptions,
  publish: (messages: readonly OutgoingMessage[]) => Promise<void>,
  logger: Logger,
  stop: AbortSignal,
): (message: IncomingMessage) => Promise<void> {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelay = options.retryDelayMs ?? 200;
  return async (message) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await options.handler(message);
        return;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        if (attempt >= maxAttempts || err instanceof PermanentError) {
          logger.error('message dead-lettered after its last attempt', { group: options.group, topic: message.topic, partition: message.partition, offset: message.offset, attempts: attempt, error });
          await publish([
            {
              topic: options.deadLetterTopic,
              key: message.key,
              value: message.value,
              headers: {
                ...message.headers,
                [DeadLetterHeaders.Topic]: message.topic,
                [DeadLetterHeaders.Partition]: String(message.partition),
                [DeadLetterHeaders.Offset]: message.offset,
                [DeadLetterHeaders.Group]: options.group,
                [DeadLetterHeaders.Error]: error.slice(0, 1000),
                [DeadLetterHeaders.Attempts]: String(attempt),
              },
            },
          ]);
          return;
        }
        const wait = Math.min(baseDelay * 2 ** (attempt - 1), MAX_DELAY_MS);
        logger.warn('message handling failed; retrying', { group: options.group, topic: message.topic, offset: message.offset, attempt, retryInMs: wait, error });
        await delay(wait, undefined, { signal: stop }).catch(() => {
          throw new Error('subscription closed while retrying');
        });
      }
    }
  };
}
