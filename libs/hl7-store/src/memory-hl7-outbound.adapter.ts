import type { Hl7Outbound, NewOutboundMessage, OutboundMessage, OutboundOutcome, OutboundState } from './hl7-outbound.port';

interface Row {
  message: NewOutboundMessage;
  state: { -readonly [K in keyof OutboundState]: OutboundState[K] };
  nextAttemptAt: number;
}

/** The in-memory twin of the HL7 outbound queue, for unit tests. */
export class MemoryHl7Outbound implements Hl7Outbound {
  private readonly rows: Row[] = [];

  async enqueue(message: NewOutboundMessage, now: Date): Promise<'queued' | 'duplicate'> {
    if (this.rows.some((r) => r.message.causeEventId === message.causeEventId)) return 'duplicate';
    this.rows.push({ message, state: { id: String(this.rows.length + 1), tenant: message.tenant, controlId: message.controlId, status: 'pending', attempts: 0 }, nextAttemptAt: now.getTime() });
    return 'queued';
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<OutboundMessage[]> {
    const due = this.rows.filter((r) => r.state.status === 'pending' && r.nextAttemptAt <= now.getTime()).slice(0, limit);
    return due.map((r) => {
      r.state.attempts += 1;
      r.nextAttemptAt = now.getTime() + leaseMs;
      return { id: r.state.id, tenant: r.message.tenant, controlId: r.message.controlId, messageType: r.message.messageType, payload: r.message.payload, attempts: r.state.attempts };
    });
  }

  async settle(id: string, outcome: OutboundOutcome, _now: Date): Promise<void> {
    const row = this.rows.find((r) => r.state.id === id);
    if (!row) throw new Error(`no outbound message ${id}`);
    row.state.status = outcome.status;
    if (outcome.status === 'pending') row.nextAttemptAt = outcome.retryAt.getTime();
    if (outcome.status !== 'sent') row.state.lastError = outcome.error;
    if (outcome.status !== 'pending' && outcome.acknowledgement !== undefined) row.state.acknowledgement = outcome.acknowledgement;
  }

  async list(tenant: string): Promise<OutboundState[]> {
    return this.rows.filter((r) => r.message.tenant === tenant).map((r) => ({ ...r.state }));
  }
}
