/** An HL7 message to send to a tenant's RIS, and what caused it. */
export interface NewOutboundMessage {
  readonly tenant: string;
  /** The event the message answers: the same event again queues nothing. */
  readonly causeEventId: string;
  /** MSH-10 of the message (the same on every attempt, so that the RIS can tell a resend). */
  readonly controlId: string;
  /** MSH-9 code and trigger, e.g. "ORM^O01". */
  readonly messageType: string;
  readonly accessionNumber?: string;
  readonly studyInstanceUID?: string;
  /** The message's bytes, unframed. */
  readonly payload: Buffer;
}

/** A queued message as a sender claimed it. */
export interface OutboundMessage {
  readonly id: string;
  readonly tenant: string;
  readonly controlId: string;
  readonly messageType: string;
  readonly payload: Buffer;
  /** Attempts made, this one included. */
  readonly attempts: number;
}

/** What became of an attempt. */
export type OutboundOutcome =
  /** The RIS accepted it (AA, CA). */
  | { readonly status: 'sent'; readonly acknowledgement: string }
  /** The dead letter: the RIS refused it (AE, AR, CE, CR), or every attempt failed. */
  | { readonly status: 'failed'; readonly error: string; readonly acknowledgement?: string }
  /** Not delivered this time; try again at `retryAt`. */
  | { readonly status: 'pending'; readonly error: string; readonly retryAt: Date };

/** A queued message's state, for operators and tests. */
export interface OutboundState {
  readonly id: string;
  readonly tenant: string;
  readonly controlId: string;
  readonly status: 'pending' | 'sent' | 'failed';
  readonly attempts: number;
  readonly acknowledgement?: string;
  readonly lastError?: string;
}

/**
 * The HL7 messages waiting for their RIS (results out), durable until acknowledged or dead-lettered.
 */
export interface Hl7Outbound {
  /** Queues a message, due at once, unless its cause queued one before. */
  enqueue(message: NewOutboundMessage, now: Date): Promise<'queued' | 'duplicate'>;
  /**
   * Claims up to `limit` messages due at `now`, oldest first, counting an attempt for each; other
   * senders do not get them for `leaseMs` (after that, a sender that died while sending is presumed gone).
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<OutboundMessage[]>;
  /** Records what became of an attempt. */
  settle(id: string, outcome: OutboundOutcome, now: Date): Promise<void>;
  /** The queued messages of a tenant, oldest first. */
  list(tenant: string): Promise<OutboundState[]>;
}
