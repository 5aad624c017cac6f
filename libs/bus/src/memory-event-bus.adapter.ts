import type { Logger } from '@tessera/telemetry';
import type { EventBus, IncomingMessage, OutgoingMessage, Subscription, SubscriptionOptions } from './bus.port';
import { retryingHandler } from './retrying-handler';

interface Delivery {
  readonly message: IncomingMessage;
  readonly settle: (error?: Error) => void;
}

class GroupConsumer {
  private readonly queues = new Map<string, Delivery[]>();
  /** How many messages at the head of each queue are being handled. */
  private readonly inFlight = new Map<string, number>();
  private readonly stop = new AbortController();
  private readonly handle: (message: IncomingMessage) => Promise<void>;

  constructor(
    readonly options: SubscriptionOptions,
    publish: (messages: readonly OutgoingMessage[]) => Promise<void>,
    logger: Logger,
  ) {
    this.handle = retryingHandler(options, publish, logger, this.stop.signal);
  }

  deliver(message: IncomingMessage): Promise<void> {
    if (this.stop.signal.aborted) return Promise.reject(new Error(`consumer group ${this.options.group} is closed`));
    return new Promise<void>((resolve, reject) => {
      const queueKey = `${message.topic}/${message.partition}`;
      const queue = this.queues.get(queueKey);
      const delivery: Delivery = { message, settle: (error) => (error ? reject(error) : resolve()) };
      if (queue) {
        queue.push(delivery);
        return;
      }
      this.queues.set(queueKey, [delivery]);
      void this.drain(queueKey);
    });
  }

  close(): void {
    this.stop.abort();
    for (const [key, queue] of this.queues) for (const d of queue.splice(this.inFlight.get(key) ?? 1)) d.settle(new Error(`consumer group ${this.options.group} closed`));
  }

  // One partition is consumed strictly in order, as a Kafka consumer does: the messages waiting go to
  // the batch handler together when there is one (falling back to one at a time if it fails).
  private async drain(queueKey: string): Promise<void> {
    const queue = this.queues.get(queueKey) as Delivery[];
    const { batchHandler } = this.options;
    while (queue.length > 0) {
      const batch = queue.slice(0, batchHandler ? (this.options.maxBatchSize ?? 100) : 1);
      this.inFlight.set(queueKey, batch.length);
      if (batchHandler && batch.length > 1) {
        const done = await batchHandler(batch.map((d) => d.message)).then(
          () => true,
          () => false,
        );
        if (done) {
          for (const d of queue.splice(0, batch.length)) d.settle();
          continue;
        }
      }
      for (const delivery of batch) {
        try {
          await this.handle(delivery.message);
          delivery.settle();
        } catch (err) {
          delivery.settle(err as Error);
        }
        queue.shift();
      }
    }
    this.queues.delete(queueKey);
    this.inFlight.delete(queueKey);
  }
}

/**
 * The in-process event bus of the all-in-one mode, with Kafka's semantics: topics of partitions chosen
 * by key hash, consumer groups that each see every message, per-partition order, at-least-once
 * delivery, headers, retries and dead letters. Nothing of it survives a restart, so `publish` resolves
 * only once every subscribed group has handled the message: until then the transactional outbox still
 * holds it and will publish it again after a crash.
 */
export class MemoryEventBus implements EventBus {
  private readonly topics = new Map<string, { nextOffset: number[] }>();
  private readonly groups = new Map<string, GroupConsumer>();

  constructor(
    private readonly logger: Logger,
    private readonly partitions = 4,
  ) {}

  async ensureTopics(topics: readonly string[]): Promise<void> {
    for (const topic of topics) if (!this.topics.has(topic)) this.topics.set(topic, { nextOffset: new Array<number>(this.partitions).fill(0) });
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    const deliveries: Promise<void>[] = [];
    for (const message of messages) {
      const topic = this.topics.get(message.topic);
      if (!topic) throw new Error(`unknown topic ${message.topic}`);
      const partition = partitionOf(message.key, this.partitions);
      const offset = topic.nextOffset[partition] as number;
      topic.nextOffset[partition] = offset + 1;
      const incoming: IncomingMessage = { topic: message.topic, partition, offset: String(offset), key: message.key, value: message.value, headers: { ...(message.headers ?? {}) } };
      for (const group of this.groups.values()) {
        if (group.options.topics.includes(message.topic)) deliveries.push(group.deliver(incoming));
      }
    }
    const results = await Promise.allSettled(deliveries);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    if (this.groups.has(options.group)) throw new Error(`consumer group ${options.group} already has a consumer in this process`);
    await this.ensureTopics(options.topics);
    const consumer = new GroupConsumer(options, (m) => this.publish(m), this.logger);
    this.groups.set(options.group, consumer);
    return {
      close: async () => {
        consumer.close();
        this.groups.delete(options.group);
      },
    };
  }

  async close(): Promise<void> {
    for (const group of this.groups.values()) group.close();
    this.groups.clear();
  }
}

// FNV-1a: any stable hash keeps one key in one partition, which is all that ordering needs.
function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
