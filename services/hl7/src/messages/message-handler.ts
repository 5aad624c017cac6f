import type { EventOrigin, OutboxEntry } from '@tessera/outbox';
import type { Hl7Message } from '@tessera/hl7';
import type { Hl7Transaction } from '@tessera/hl7-store';
import type { WorklistIdSource } from '@tessera/worklist';

/** What applying a message needs besides the message. */
export interface ApplyContext {
  readonly tenant: string;
  readonly origin: EventOrigin;
  readonly now: Date;
  /** The message that causes the change, as events name it. */
  readonly cause: { readonly messageType: string; readonly controlId: string; readonly sendingApplication: string; readonly sendingFacility: string };
  readonly ids: WorklistIdSource;
}

/** What a message did: a summary for its record, and the events announcing it. */
export interface Applied {
  readonly effect: Record<string, unknown>;
  readonly events: readonly OutboxEntry[];
}

/**
 * How one kind of message is processed: `read` checks the content and throws ContentProblemError
 * (before anything is written); `apply` makes the change in the caller's transaction and may throw
 * ContentProblemError too, for what only the stored state shows (an unknown patient), which rolls
 * everything back.
 */
export interface MessageHandler<T> {
  read(message: Hl7Message): T;
  apply(tx: Hl7Transaction, command: T, context: ApplyContext): Promise<Applied>;
}
