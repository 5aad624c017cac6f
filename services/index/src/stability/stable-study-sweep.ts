import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import { CONFIG, LOGGER } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { AnnounceStableStudiesUseCase } from './announce-stable-studies.use-case';

/**
 * Runs the stable-study announcement in the index role, often enough that a study is announced soon
 * after its deadline: every quarter of STUDY_STABLE_AFTER_S, at most every 5 s. Deadlines are in the
 * database, so a restart (or another replica) picks up where this one stopped.
 */
@Injectable()
export class StableStudySweep implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly announce: AnnounceStableStudiesUseCase,
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'study-stability' });
  }

  onApplicationBootstrap(): void {
    const every = Math.min(5000, Math.max(250, Math.floor(this.config.index.studyStableAfterMs / 4)));
    this.timer = setInterval(() => this.tick(), every);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.announce
      .execute(new Date())
      .then(
        () => undefined,
        (err: unknown) => this.logger.error('announcing stable studies failed; retrying at the next sweep', { error: (err as Error).message }),
      )
      .finally(() => (this.running = undefined));
  }
}
