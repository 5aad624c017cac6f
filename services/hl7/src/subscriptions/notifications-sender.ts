import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, PeriodicRound } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { SendNotificationsUseCase } from './send-notifications.use-case';

/** Sends queued FHIR subscription notifications in the hl7 role: when one is queued, and every second for retries. */
@Injectable()
export class NotificationsSender extends PeriodicRound {
  constructor(send: SendNotificationsUseCase, @Inject(LOGGER) logger: Logger) {
    super(() => send.execute(() => new Date()), logger.child({ component: 'fhir-subscriptions' }), 'sending FHIR subscription notifications failed; retrying', { everyMs: 1000 });
  }
}
