import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditSource } from './audit-event';
import type { AuditForwarder } from './audit-forwarder.port';
import { buildAuditMessage } from './audit-message';
import type { AuditStore } from './audit-store.port';
import type { AuditRecord } from './hash-chain';

/** What the trail needs besides its store and forwarder. */
export interface AuditTrailOptions {
  /** Who reports: the AuditSourceIdentification of every message. */
  readonly source: AuditSource;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

/**
 * The audit trail (DICOM PS3.15 A.5, IHE ATNA Secure Node): every interface calls record() for
 * each event. The message goes to the syslog forwarder's spool first and then into its tenant's
 * hash chain in the store, so that the Audit Record Repository gets every message the store has.
 */
export class AuditTrail {
  constructor(
    private readonly store: AuditStore,
    /** None: messages are only stored (no AUDIT_SYSLOG_URL). */
    private readonly forwarder: AuditForwarder | undefined,
    private readonly options: AuditTrailOptions,
  ) {}

  /**
   * Records `event`. Resolves with the stored record once the message is both stored and durably
   * on its way to the collector. Throws AuditError(InvalidEvent) for an event its message could not
   * describe (nothing is recorded), AuditError(SpoolUnavailable) when the spool refuses (nothing is
   * recorded), and the store's error when storing fails after spooling (the message is forwarded
   * but not stored: the caller decides whether to fail the operation it audits).
   */
  async record(event: AuditEvent): Promise<AuditRecord> {
    const message = buildAuditMessage(event, this.options.source, (this.options.now ?? (() => new Date()))());
    await this.forwarder?.forward(message);
    return this.store.append({
      ...(message.tenant !== undefined ? { tenant: message.tenant } : {}),
      recordId: (this.options.newId ?? randomUUID)(),
      eventType: message.eventType,
      action: message.action,
      outcome: message.outcome,
      eventTime: message.eventTime,
      userIds: message.userIds,
      patientIds: message.patientIds,
      studyInstanceUIDs: message.studyInstanceUIDs,
      message: message.xml,
    });
  }
}
