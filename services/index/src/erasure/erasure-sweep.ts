import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, PeriodicRound } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { ResumeErasuresUseCase } from './resume-erasures.use-case';

/**
 * Finishes unfinished erasures in the index role: at start and then every minute (they are rare: a
 * crash, an object store that was down).
 */
@Injectable()
export class ErasureSweep extends PeriodicRound {
  constructor(resume: ResumeErasuresUseCase, @Inject(LOGGER) logger: Logger) {
    super(() => resume.execute(new Date()), logger.child({ component: 'erasure' }), 'resuming erasures failed; retrying at the next sweep', { everyMs: 60_000, atStart: true });
  }
}
