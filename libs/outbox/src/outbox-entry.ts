import { EventHeaders, type Envelope, type EventDefinition } from '@tessera/contracts';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';

/** An event waiting in the outbox for the relay. */
export interface OutboxEntry {
  readonly eventId: string;
  readonly topic: string;
  readonly key: string;
  readonly envelope: Envelope;
  readonly headers: Readonly<Record<string, string>>;
}

/** Where an event comes from: what the envelope says besides the data. */
export interface EventOrigin {
  readonly tenant: string;
  readonly source: string;
  readonly correlationId: string;
  readonly traceparent?: string;
}

/**
 * Builds an outbox entry for an event, validating its data against the definition's schema first:
 * an event that breaks its own contract is a bug here, not a surprise for a consumer.
 */
export function outboxEntry<TSchema extends z.ZodType>(definition: EventDefinition<TSchema>, origin: EventOrigin, data: z.infer<TSchema>, now: Date): OutboxEntry {
  const parsed = definition.schema.parse(data) as z.infer<TSchema>;
  const envelope: Envelope = {
    id: randomUUID(),
    type: definition.type,
    tenant: origin.tenant,
    occurredAt: now.toISOString(),
    source: origin.source,
    correlationId: origin.correlationId,
    ...(origin.traceparent ? { traceparent: origin.traceparent } : {}),
    data: parsed,
  };
  return {
    eventId: envelope.id,
    topic: definition.topic,
    key: definition.key(origin.tenant, parsed),
    envelope,
    headers: {
      [EventHeaders.Type]: definition.type,
      [EventHeaders.Tenant]: origin.tenant,
      ...(origin.traceparent ? { [EventHeaders.TraceParent]: origin.traceparent } : {}),
    },
  };
}
