import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, PeriodicRound } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { PurgeDeletionsUseCase } from './purge-deletions.use-case';

/**
 * Purges deleted instances whose time has come, in the index role (which deletes the rows and has the
 * object store): at start and then every minute (purges wait a day by default).
 */
@Injectable()
export class PurgeSweep extends PeriodicRound {
  constructor(purge: PurgeDeletionsUseCase, @Inject(LOGGER) logger: Logger) {
    super(() => purge.execute(new Date()), logger.child({ component: 'deletion' }), 'purging deleted instances failed; retrying at the next sweep', { everyMs: 60_000, atStart: true });
  }
}
