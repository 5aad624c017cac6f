import type { Logger } from '@tessera/telemetry';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type KafkaMessage, type LogEntry, type Producer } from 'kafkajs';
import type { EventBus, IncomingMessage, OutgoingMessage, Subscription, SubscriptionOptions } from './bus.port';
import { retryingHandler } from './retrying-handler';
import { SupervisedConsumer } from './supervised-consumer';
import { whileKafkaSettles } from './while-kafka-settles';

/** The largest message the topics take (ingest keeps event metadata well below it). */
export const MAX_EVENT_BYTES = 8 * 1024 * 1024;

/** How to reach and shape the Kafka cluster. */
export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Put before every topic and consumer group name, so that several deployments can share a cluster. */
  readonly topicPrefix?: string;
  /** Partitions of one consumer consumed concurrently (each still in order). */
  readonly partitionsConsumedConcurrently?: number;
}

/**
 * The event bus on Apache Kafka (kafkajs). Publishing uses the idempotent producer with acks from all
 * in-sync replicas, so a resolved publish is durable in the cluster; consumers commit an offset only
 * after its message was handled (or dead-lettered), so delivery is at least once.
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private producerReady: Promise<Producer> | undefined;
  private readonly consumers = new Set<SupervisedConsumer<Consumer>>();

  constructor(
    private readonly options: KafkaBusOptions,
    private readonly logger: Logger,
  ) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => this.log(entry),
      retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
    });
  }

  private name(topicOrGroup: string): string {
    return `${this.options.topicPrefix ?? ''}${topicOrGroup}`;
  }

  private unprefixed(topic: string): string {
    return topic.slice((this.options.topicPrefix ?? '').length);
  }

  ensureTopics(topics: readonly string[]): Promise<void> {
    return whileKafkaSettles('create topics', () => this.createMissingTopics(topics), this.logger);
  }

  private async createMissingTopics(topics: readonly string[]): Promise<void> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.map((t) => this.name(t)).filter((t) => !existing.has(t));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: this.options.partitions, replicationFactor: this.options.replicationFactor, configEntries: [{ name: 'max.message.bytes', value: String(MAX_EVENT_BYTES) }] })),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.connectedProducer();
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const m of messages) byTopic.set(this.name(m.topic), [...(byTopic.get(this.name(m.topic)) ?? []), m]);
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic.entries()].map(([topic, list]) => ({
        topic,
        messages: list.map((m) => ({ key: m.key, value: m.value, headers: { ...(m.headers ?? {}) } })),
      })),
    });
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    const stop = new AbortController();
    const handle = retryingHandler(options, (m) => this.publish(m), this.logger, stop.signal);
    const supervised = new SupervisedConsumer((watch: (consumer: Consumer) => void) => this.startConsumer(options, handle, watch), this.logger, this.name(options.group));
    await supervised.begin();
    this.consumers.add(supervised);
    return {
      close: async () => {
        stop.abort();
        this.consumers.delete(supervised);
        await supervised.close();
      },
    };
  }

  // One consumer of the group, watched for crashes, connected, subscribed and running; a failure on the
  // way disconnects it.
  private async startConsumer(options: SubscriptionOptions, handle: (m: IncomingMessage) => Promise<void>, watch: (consumer: Consumer) => void): Promise<Consumer> {
    const consumer = this.kafka.consumer({ groupId: this.name(options.group), allowAutoTopicCreation: false, maxBytesPerPartition: MAX_EVENT_BYTES, maxBytes: 2 * MAX_EVENT_BYTES, retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 } });
    watch(consumer);
    try {
      await whileKafkaSettles('connect consumer', () => consumer.connect(), this.logger);
      // A new group starts at the beginning of each topic: every fact recorded before it existed counts.
      await whileKafkaSettles('subscribe', () => consumer.subscribe({ topics: options.topics.map((t) => this.name(t)), fromBeginning: true }), this.logger);
      await this.run(consumer, options, handle);
      return consumer;
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  private async run(consumer: Consumer, options: SubscriptionOptions, handle: (m: IncomingMessage) => Promise<void>): Promise<void> {
    const incoming = (topic: string, partition: number, message: KafkaMessage): IncomingMessage => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
      return { topic: this.unprefixed(topic), partition, offset: message.offset, key: message.key?.toString('utf8') ?? '', value: message.value ?? Buffer.alloc(0), headers };
    };
    const partitionsConsumedConcurrently = this.options.partitionsConsumedConcurrently ?? 4;
    const { batchHandler } = options;
    if (batchHandler) {
      const max = options.maxBatchSize ?? 100;
      await consumer.run({
        partitionsConsumedConcurrently,
        // Offsets are resolved as each part of a fetched batch is done, so that stopping part-way
        // (a rebalance, or close) never marks unhandled messages as consumed.
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const messages = batch.messages.map((m) => incoming(batch.topic, batch.partition, m));
          for (let i = 0; i < messages.length; i += max) {
            if (!isRunning() || isStale()) return;
            const part = messages.slice(i, i + max);
            const done = part.length > 1 && (await batchHandler(part).then(() => true, () => false));
            if (!done) for (const m of part) await handle(m);
            resolveOffset((part.at(-1) as IncomingMessage).offset);
            await heartbeat();
          }
        },
      });
    } else {
      await consumer.run({ partitionsConsumedConcurrently, eachMessage: async ({ topic, partition, message }) => handle(incoming(topic, partition, message)) });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close()));
    this.consumers.clear();
    const producer = this.producer;
    this.producer = undefined;
    this.producerReady = undefined;
    if (producer) await producer.disconnect();
  }

  private connectedProducer(): Promise<Producer> {
    this.producerReady ??= (async () => {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
      try {
        await producer.connect();
      } catch (err) {
        this.producerReady = undefined;
        throw err;
      }
      this.producer = producer;
      return producer;
    })();
    return this.producerReady;
  }

  private log(entry: LogEntry): void {
    const fields = { kafka: entry.namespace, ...entry.log };
    if (entry.level === logLevel.ERROR) this.logger.error(entry.log.message, fields);
    else if (entry.level === logLevel.WARN) this.logger.warn(entry.log.message, fields);
    else this.logger.debug(entry.log.message, fields);
  }
}
