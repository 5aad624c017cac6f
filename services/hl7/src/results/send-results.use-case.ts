import { parseMessage } from '@tessera/hl7';
import type { Hl7Outbound, OutboundMessage, OutboundOutcome } from '@tessera/hl7-store';
import type { Logger } from '@tessera/telemetry';
import type { MllpDestination, MllpSender } from '../mllp/mllp-client';

/** How results are sent: where each tenant's go, and how failures are retried. */
export interface SendResultsOptions {
  readonly destinations: Readonly<Record<string, MllpDestination>>;
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** How long one attempt may take; a claimed message is not handed to another sender meanwhile. */
  readonly ackTimeoutMs: number;
}

// Messages claimed per round.
const BATCH = 20;

/**
 * Sends the queued results to each tenant's RIS over MLLP and waits for the acknowledgement (HL7
 * v2.5.1 2.9.2, original mode): AA or CA, the message is delivered; AE, AR, CE or CR, the RIS refused it
 * and sending it again would change nothing: it is dead-lettered at once. No answer (refused
 * connection, timeout, an unreadable answer): tried again after a delay that doubles each time, up
 * to maxRetryDelayMs, and dead-lettered after maxAttempts. Dead letters stay in the queue as failed,
 * with the reason, and are logged as errors.
 */
export class SendResultsUseCase {
  constructor(
    private readonly outbound: Hl7Outbound,
    private readonly sender: MllpSender,
    private readonly logger: Logger,
    private readonly options: SendResultsOptions,
  ) {}

  /** Sends what is due at `now()`; returns how many messages were attempted. */
  async execute(now: () => Date): Promise<number> {
    let attempted = 0;
    for (;;) {
      const due = await this.outbound.claimDue(now(), BATCH, this.options.ackTimeoutMs * 2);
      for (const message of due) await this.attempt(message, now);
      attempted += due.length;
      if (due.length < BATCH) return attempted;
    }
  }

  private async attempt(message: OutboundMessage, now: () => Date): Promise<void> {
    const destination = this.options.destinations[message.tenant];
    const outcome = destination ? await this.deliver(message, destination) : { error: `tenant ${message.tenant} has no HL7_RESULTS_DESTINATIONS entry any more` };
    const settled = 'status' in outcome ? outcome : this.failed(message, outcome.error, now());
    await this.outbound.settle(message.id, settled, now());
    const fields = { tenant: message.tenant, controlId: message.controlId, type: message.messageType, attempt: message.attempts, destination: destination ? `${destination.host}:${destination.port}` : undefined };
    if (settled.status === 'sent') this.logger.info('HL7 result delivered', { ...fields, acknowledgement: settled.acknowledgement });
    else if (settled.status === 'failed') this.logger.error('HL7 result dead-lettered', { ...fields, reason: settled.error });
    else this.logger.warn('HL7 result not delivered; will retry', { ...fields, reason: settled.error, retryAt: settled.retryAt.toISOString() });
  }

  // The RIS's answer, or why there was none.
  private async deliver(message: OutboundMessage, destination: MllpDestination): Promise<OutboundOutcome | { error: string }> {
    let ack: Buffer;
    try {
      ack = await this.sender.send(destination, message.payload);
    } catch (err) {
      return { error: (err as Error).message };
    }
    const parsed = parseMessage(ack);
    const msa = parsed.ok ? parsed.message.segments.find((s) => s.name === 'MSA') : undefined;
    const code = msa?.value(1) ?? '';
    if (!msa) return { error: 'the answer is not an acknowledgement (no MSA segment)' };
    if (msa.value(2) !== message.controlId) return { error: `the acknowledgement answers ${msa.value(2) || 'no message'}, not ${message.controlId}` };
    if (code === 'AA' || code === 'CA') return { status: 'sent', acknowledgement: code };
    if (code === 'AE' || code === 'AR' || code === 'CE' || code === 'CR') {
      const err = parsed.ok ? parsed.message.segments.find((s) => s.name === 'ERR') : undefined;
      const reason = err?.value(8) || msa.value(3) || err?.value(3, 2) || 'no reason given';
      return { status: 'failed', acknowledgement: code, error: `${code}: ${reason}` };
    }
    return { error: `MSA-1 "${code}" is not an acknowledgement code` };
  }

  private failed(message: OutboundMessage, error: string, now: Date): OutboundOutcome {
    if (message.attempts >= this.options.maxAttempts) return { status: 'failed', error: `${error} (attempt ${message.attempts} of ${this.options.maxAttempts})` };
    const delay = Math.min(this.options.retryDelayMs * 2 ** (message.attempts - 1), this.options.maxRetryDelayMs);
    return { status: 'pending', error, retryAt: new Date(now.getTime() + delay) };
  }
}
