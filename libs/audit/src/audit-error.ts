/** Why the audit trail refused or could not do something. Each edge maps these exhaustively (STYLE 7). */
export const AuditErrorCode = {
  /** An event that cannot become a valid audit message (PS3.15 A.5.3): a required participant or object is missing. */
  InvalidEvent: 'invalid-event',
  /** The durable spool could not take the message (disk full, permissions): it is stored, but not yet on its way to the collector. */
  SpoolUnavailable: 'spool-unavailable',
  /** A spool file that is not one this library wrote. */
  CorruptSpoolEntry: 'corrupt-spool-entry',
} as const;
export type AuditErrorCode = (typeof AuditErrorCode)[keyof typeof AuditErrorCode];

/** A failure of the audit trail with a code an edge can map and a message a person can act on. */
export class AuditError extends Error {
  constructor(
    readonly code: AuditErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuditError';
  }
}
