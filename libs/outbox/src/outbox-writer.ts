import type { EntityManager } from 'typeorm';
import type { OutboxEntry } from './outbox-entry';

/** Appends entries to the outbox inside the caller's transaction (the change and its events commit together). */
export async function appendToOutbox(manager: EntityManager, entries: readonly OutboxEntry[]): Promise<void> {
  for (const e of entries) {
    const rows = outboxRows([e], 1);
    await manager.query(`INSERT INTO outbox_event (${rows.columns}) VALUES ${rows.values}`, rows.params);
  }
}

/**
 * The outbox columns, a VALUES row per entry (parameters numbered from `first`) and their parameters:
 * for a single statement that makes a change and appends its events at once (one round trip, atomic
 * without a transaction block). The rows are in the entries' order.
 */
export function outboxRows(entries: readonly OutboxEntry[], first: number): { columns: string; values: string; params: unknown[] } {
  const params: unknown[] = [];
  const values = entries.map((e) => {
    const n = first + params.length;
    params.push(e.eventId, e.topic, e.key, JSON.stringify(e.envelope), JSON.stringify(e.headers));
    return `($${n}::uuid, $${n + 1}::text, $${n + 2}::text, $${n + 3}::jsonb, $${n + 4}::jsonb)`;
  });
  return { columns: 'event_id, topic, message_key, envelope, headers', values: values.join(', '), params };
}
