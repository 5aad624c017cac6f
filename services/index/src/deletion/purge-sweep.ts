import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { PurgeDeletionsUseCase } from './purge-deletions.use-case';

// Purges wait a day by default: once a minute is soon enough.
const EVERY_MS = 60_000;

/**
 * Purges deleted instances whose time has come, in the index role (which deletes the rows and has the
 * object store): at start and then every minute. Deletions are in the database, so a restart (or
 * another replica) picks up what this one left.
 */
@Injectable()
export class PurgeSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly purge: PurgeDeletionsUseCase,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'deletion' });
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
    this.running = this.purge
      .execute(new Date())
      .then(
        () => undefined,
        (err: unknown) => this.logger.error('purging deleted instances failed; retrying at the next sweep', { error: (err as Error).message }),
      )
      .finally(() => (this.running = undefined));
  }
}
