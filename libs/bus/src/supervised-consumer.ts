import type { Logger } from '@tessera/telemetry';

/** What a crash tells its listeners: kafkajs's `consumer.crash` event. */
export interface ConsumerCrash {
  readonly payload: { readonly error: Error; readonly restart: boolean };
}

/** What the supervisor needs of a kafkajs consumer. */
export interface CrashingConsumer {
  on(event: 'consumer.crash', listener: (event: ConsumerCrash) => void): unknown;
  disconnect(): Promise<void>;
}

/** The pauses before starting a consumer again: doubling from the first to the longest. */
export interface RestartDelays {
  readonly firstMs: number;
  readonly maxMs: number;
}

/**
 * Keeps a consumer running for as long as it is not closed. kafkajs restarts a consumer itself after a
 * crash it deems retriable; after one it does not (KafkaJSGroupCoordinatorNotFound, when a broker back
 * from an outage is slow to load its group coordinator, is one), the consumer stays stopped while the
 * process runs on, and nothing is consumed any more. Then this starts a new consumer (the group's
 * committed offsets say where to go on), after a pause that doubles while starting fails.
 */
export class SupervisedConsumer<C extends CrashingConsumer> {
  private current: C | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** `start` makes a consumer and hands it to `watch` before running it, so that no crash goes unseen. */
  constructor(
    private readonly start: (watch: (consumer: C) => void) => Promise<C>,
    private readonly logger: Logger,
    private readonly what: string,
    private readonly delays: RestartDelays = { firstMs: 1000, maxMs: 30_000 },
  ) {}

  /** Starts the first consumer; its failure is the caller's. */
  begin(): Promise<C> {
    return this.start((consumer) => this.watch(consumer));
  }

  /** Stops the current consumer, and any restart on its way. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.wake?.();
    const consumer = this.current;
    this.current = undefined;
    await consumer?.disconnect();
  }

  private watch(consumer: C): void {
    this.current = consumer;
    consumer.on('consumer.crash', (event) => {
      if (event.payload.restart || consumer !== this.current || this.closed) return;
      void this.replace(consumer, event.payload.error);
    });
  }

  private async replace(crashed: C, error: Error): Promise<void> {
    this.current = undefined;
    this.logger.error('Kafka consumer stopped after an error kafkajs does not retry; starting a new one', { consumer: this.what, error: error.message });
    await crashed.disconnect().catch(() => undefined);
    for (let delay = this.delays.firstMs; !this.closed; delay = Math.min(delay * 2, this.delays.maxMs)) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, delay);
      });
      if (this.closed) return;
      try {
        const consumer = await this.start((started) => this.watch(started));
        if (this.closed) {
          await consumer.disconnect();
          return;
        }
        this.logger.warn('Kafka consumer started again', { consumer: this.what });
        return;
      } catch (err) {
        this.logger.warn('starting the Kafka consumer again failed; trying again', { consumer: this.what, error: (err as Error).message, nextInMs: Math.min(delay * 2, this.delays.maxMs) });
      }
    }
  }
}
