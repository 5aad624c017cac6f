import { z } from 'zod';

/** A tenant identifier: one hospital of a network (lower-case letters, digits and dashes). */
export const TenantIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a tenant id is 1-63 lower-case letters, digits or dashes');

/**
 * What every event carries around its data (ARCHITECTURE §4): identity, kind, tenant, time, origin,
 * correlation and W3C trace context. The envelope is the Kafka message value; its `type` names the
 * event and its version.
 */
export const EnvelopeSchema = z.object({
  /** Unique per event; consumers use it to ignore redeliveries. */
  id: z.string().uuid(),
  /** The event type with its version, e.g. "instance.stored.v1"; a family may have a two-word name ("procedure-step") and digits ("hl7"). */
  type: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z-]+)+\.v[0-9]+$/),
  tenant: TenantIdSchema,
  /** When the fact happened (ISO 8601, UTC). */
  occurredAt: z.string().datetime(),
  /** The role and host that recorded it, e.g. "ingest@tessera-ingest-7f9c". */
  source: z.string().min(1),
  /** Ties together everything one request caused (an association, a STOW request…). */
  correlationId: z.string().min(1),
  /** W3C Trace Context of the operation that recorded the event (https://www.w3.org/TR/trace-context/). */
  traceparent: z.string().optional(),
  tracestate: z.string().optional(),
  data: z.unknown(),
});

/** An event envelope with typed data. */
export type Envelope<TData = unknown> = Omit<z.infer<typeof EnvelopeSchema>, 'data'> & { data: TData };

/** The definition of one event type: its name, topic, schema and how to key it. */
export interface EventDefinition<TSchema extends z.ZodType> {
  readonly type: string;
  readonly topic: string;
  readonly schema: TSchema;
  readonly summary: string;
  /** The Kafka message key; events of one key keep their order. */
  key(tenant: string, data: z.infer<TSchema>): string;
}

/** Parses an envelope and its data against a definition; throws a ZodError naming what is wrong. */
export function parseEvent<TSchema extends z.ZodType>(definition: EventDefinition<TSchema>, raw: unknown): Envelope<z.infer<TSchema>> {
  const envelope = EnvelopeSchema.parse(raw);
  if (envelope.type !== definition.type) throw new Error(`expected a ${definition.type} event, got ${envelope.type}`);
  return { ...envelope, data: definition.schema.parse(envelope.data) };
}
