import { Inject, Injectable } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import { CONFIG, LOGGER, PeriodicRound } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { AnnounceStableStudiesUseCase } from './announce-stable-studies.use-case';

/**
 * Runs the stable-study announcement in the index role, often enough that a study is announced soon
 * after its deadline: every quarter of STUDY_STABLE_AFTER_S, at most every 5 s.
 */
@Injectable()
export class StableStudySweep extends PeriodicRound {
  constructor(announce: AnnounceStableStudiesUseCase, @Inject(CONFIG) config: TesseraConfig, @Inject(LOGGER) logger: Logger) {
    super(() => announce.execute(new Date()), logger.child({ component: 'study-stability' }), 'announcing stable studies failed; retrying at the next sweep', {
      everyMs: Math.min(5000, Math.max(250, Math.floor(config.index.studyStableAfterMs / 4))),
    });
  }
}
