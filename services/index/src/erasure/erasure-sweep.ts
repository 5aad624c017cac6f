import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { ResumeErasuresUseCase } from './resume-erasures.use-case';

// Unfinished erasures are rare (a crash, an object store that was down): once a minute is soon enough.
const EVERY_MS = 60_000;

/**
 * Finishes unfinished erasures in the index role: at start and then every minute. Jobs are in the
 * database, so a restart (or another replica) picks up what this one left.
 */
@Injectable()
export class ErasureSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly resume: ResumeErasuresUseCase,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'erasure' });
  }

  onApplicationBootstrap(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), EVERY_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.resume
      .execute(new Date())
      .then(
        () => undefined,
        (err: unknown) => this.logger.error('resuming erasures failed; retrying at the next sweep', { error: (err as Error).message }),
      )
      .finally(() => (this.running = undefined));
  }
}
