/** A message to publish. */
export interface OutgoingMessage {
  readonly topic: string;
  /** Messages with the same key keep their order (they land in the same partition). */
  readonly key: string;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A message as a consumer receives it. */
export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** A failure that no retry can cure (a message that breaks its contract): dead-lettered at once. */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

/** Handles one message; a rejection means "try again later", a PermanentError "never". */
export type MessageHandler = (message: IncomingMessage) => Promise<void>;

/**
 * Handles consecutive messages of one partition, in order, at once (e.g. in one transaction). It is an
 * optimisation of `handler` with the same effect: when it rejects, for whatever reason, each of the
 * messages is handed to `handler` in turn, with its retries and dead-lettering. So it must either do
 * all of its work or leave nothing that handling the messages one by one would not absorb.
 */
export type BatchHandler = (messages: readonly IncomingMessage[]) => Promise<void>;

/** A consumer group's subscription. */
export interface SubscriptionOptions {
  /** Consumers of one group share the work; each group sees every message. */
  readonly group: string;
  readonly topics: readonly string[];
  readonly handler: MessageHandler;
  /** Optional: messages that are waiting go to it together, at most `maxBatchSize` at a time. */
  readonly batchHandler?: BatchHandler;
  /** The most messages one batchHandler call gets (default 100). */
  readonly maxBatchSize?: number;
  /** Where a message goes after `maxAttempts` failed attempts, with the error in its headers. */
  readonly deadLetterTopic: string;
  /** Attempts before dead-lettering (default 8). */
  readonly maxAttempts?: number;
  /** First retry delay; it doubles per attempt up to 30 s (default 200 ms). */
  readonly retryDelayMs?: number;
}

/** A running subscription. */
export interface Subscription {
  close(): Promise<void>;
}

/**
 * The event bus port (ARCHITECTURE §2): Kafka in distributed mode, an in-process bus with the same
 * semantics in all-in-one mode. Delivery is at least once, in order per key; handlers are idempotent.
 */
export interface EventBus {
  /** Creates the topics if they do not exist (idempotent). */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /** Resolves once the messages are durably accepted by the bus; rejects if any was not. */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscriptionOptions): Promise<Subscription>;
  close(): Promise<void>;
}
