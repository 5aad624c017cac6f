import type { AuditForwarder } from './audit-forwarder.port';
import type { AuditMessage } from './audit-message';

/** The in-memory twin of the forwarder, for unit tests: it keeps what it was given. */
export class MemoryAuditForwarder implements AuditForwarder {
  readonly forwarded: AuditMessage[] = [];
  /** When set, forward() fails with it, as a full disk would make the spool fail. */
  failure?: Error;

  async forward(message: AuditMessage): Promise<void> {
    if (this.failure) throw this.failure;
    this.forwarded.push(message);
  }
}
