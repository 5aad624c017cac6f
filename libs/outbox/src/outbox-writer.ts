import type { EntityManager } from 'typeorm';
import type { OutboxEntry } from './outbox-entry';

/** Appends entries to the outbox inside the caller's transaction (the change and its events commit together). */
export async function appendToOutbox(manager: EntityManager, entries: readonly OutboxEntry[]): Promise<void> {
  for (const e of entries) {
    await manager.query('INSERT INTO outbox_event (event_id, topic, message_key, envelope, headers) VALUES ($1, $2, $3, $4, $5)', [
      e.eventId,
      e.topic,
      e.key,
      JSON.stringify(e.envelope),
      JSON.stringify(e.headers),
    ]);
  }
}
