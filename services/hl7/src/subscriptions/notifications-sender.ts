import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { SendNotificationsUseCase } from './send-notifications.use-case';

// How often the queue is looked at when nothing wakes the sender (retries fall due, other replicas queued).
const POLL_MS = 1000;

/** Sends queued FHIR subscription notifications in the hl7 role: when one is queued, and every second for retries. */
@Injectable()
export class NotificationsSender implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly logger: Logger;

  constructor(
    private readonly send: SendNotificationsUseCase,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'fhir-subscriptions' });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), POLL_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.again = false;
    await this.running;
  }

  /** Sends what is due now; a wake during a round makes another round follow it. */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.send
      .execute(() => new Date())
      .then(
        () => undefined,
        (err: unknown) => this.logger.error('sending FHIR subscription notifications failed; retrying', { error: (err as Error).message }),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again && this.timer) {
          this.again = false;
          this.wake();
        }
      });
  }
}
