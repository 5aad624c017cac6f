import type { Database } from '@tessera/database';
import type { Hl7Outbound, NewOutboundMessage, OutboundMessage, OutboundOutcome, OutboundState } from './hl7-outbound.port';

/** The HL7 outbound queue in PostgreSQL (or PGlite): table hl7_outbound. */
export class TypeormHl7Outbound implements Hl7Outbound {
  constructor(private readonly db: Database) {}

  async enqueue(message: NewOutboundMessage, now: Date): Promise<'queued' | 'duplicate'> {
    const rows = (await this.db.dataSource.query(
      `INSERT INTO hl7_outbound (tenant_id, cause_event_id, control_id, message_type, accession_number, study_instance_uid, payload, status, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)
       ON CONFLICT (cause_event_id) DO NOTHING RETURNING id`,
      [message.tenant, message.causeEventId, message.controlId, message.messageType, message.accessionNumber ?? null, message.studyInstanceUID ?? null, message.payload, now],
    )) as { id: string }[];
    return rows.length > 0 ? 'queued' : 'duplicate';
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<OutboundMessage[]> {
    // SKIP LOCKED: what another sender is claiming at this moment is left to it.
    const rows = (await this.db.dataSource.query(
      `WITH claimed AS (
         UPDATE hl7_outbound SET attempts = attempts + 1, next_attempt_at = $2
         WHERE id IN (SELECT id FROM hl7_outbound WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING id, tenant_id, control_id, message_type, payload, attempts)
       SELECT * FROM claimed`,
      [now, new Date(now.getTime() + leaseMs), limit],
    )) as { id: string | number; tenant_id: string; control_id: string; message_type: string; payload: Buffer; attempts: number }[];
    return rows
      .map((r) => ({ id: String(r.id), tenant: r.tenant_id, controlId: r.control_id, messageType: r.message_type, payload: Buffer.from(r.payload), attempts: r.attempts }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  async settle(id: string, outcome: OutboundOutcome, now: Date): Promise<void> {
    switch (outcome.status) {
      case 'sent':
        await this.db.dataSource.query(`UPDATE hl7_outbound SET status = 'sent', acknowledgement = $2, finished_at = $3 WHERE id = $1`, [id, outcome.acknowledgement, now]);
        return;
      case 'failed':
        await this.db.dataSource.query(`UPDATE hl7_outbound SET status = 'failed', acknowledgement = $2, last_error = $3, finished_at = $4 WHERE id = $1`, [id, outcome.acknowledgement ?? null, outcome.error, now]);
        return;
      case 'pending':
        await this.db.dataSource.query('UPDATE hl7_outbound SET last_error = $2, next_attempt_at = $3 WHERE id = $1', [id, outcome.error, outcome.retryAt]);
        return;
    }
  }

  async list(tenant: string): Promise<OutboundState[]> {
    const rows = (await this.db.dataSource.query('SELECT id, tenant_id, control_id, status, attempts, acknowledgement, last_error FROM hl7_outbound WHERE tenant_id = $1 ORDER BY id', [tenant])) as {
      id: string | number;
      tenant_id: string;
      control_id: string;
      status: OutboundState['status'];
      attempts: number;
      acknowledgement: string | null;
      last_error: string | null;
    }[];
    return rows.map((r) => ({
      id: String(r.id),
      tenant: r.tenant_id,
      controlId: r.control_id,
      status: r.status,
      attempts: r.attempts,
      ...(r.acknowledgement !== null ? { acknowledgement: r.acknowledgement } : {}),
      ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    }));
  }
}
