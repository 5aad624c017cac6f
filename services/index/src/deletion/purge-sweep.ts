import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, PeriodicRound } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { AuditDeletionsUseCase } from './audit-deletions.use-case';
import { PurgeDeletionsUseCase } from './purge-deletions.use-case';

/**
 * Writes the audit records of deletions the audit trail could not take at the time, and purges deleted
 * instances whose time has come, in the index role (which deletes the rows and has the object store):
 * at start and then every minute (purges wait a day by default).
 */
@Injectable()
export class PurgeSweep extends PeriodicRound {
  constructor(audits: AuditDeletionsUseCase, purge: PurgeDeletionsUseCase, @Inject(LOGGER) logger: Logger) {
    super(async () => {
      await audits.retry();
      await purge.execute(new Date());
    }, logger.child({ component: 'deletion' }), 'purging deleted instances failed; retrying at the next sweep', { everyMs: 60_000, atStart: true });
  }
}
