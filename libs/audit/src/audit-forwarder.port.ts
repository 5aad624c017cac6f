import type { AuditMessage } from './audit-message';

/** Sends audit messages on to an Audit Record Repository (IHE ATNA). */
export interface AuditForwarder {
  /** Takes `message` on; resolves once it is durably queued, before it has reached the repository. */
  forward(message: AuditMessage): Promise<void>;
}
