import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, PeriodicRound } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { SendResultsUseCase } from './send-results.use-case';

/** Sends queued results in the hl7 role: when one is queued, and every second for retries. */
@Injectable()
export class ResultsSender extends PeriodicRound {
  constructor(send: SendResultsUseCase, @Inject(LOGGER) logger: Logger) {
    super(() => send.execute(() => new Date()), logger.child({ component: 'hl7-results' }), 'sending HL7 results failed; retrying', { everyMs: 1000 });
  }
}
