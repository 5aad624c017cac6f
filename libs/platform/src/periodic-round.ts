import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@tessera/telemetry';

/** How often a round runs on its own, and whether one runs as soon as the application has started. */
export interface RoundSchedule {
  readonly everyMs: number;
  readonly atStart?: boolean;
}

/**
 * Works off something kept in the database in rounds (a durable queue of outbound messages, jobs to
 * resume, deadlines that fall due): one every `everyMs`, and one whenever `wake()` is called
 * (something was queued). Rounds never overlap; a wake during a round makes another round follow it.
 * A failed round is logged and the next one tries again. What is due is in the database, so a restart
 * (or another replica) picks up what this process left.
 */
export abstract class PeriodicRound implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  protected constructor(
    private readonly round: () => Promise<unknown>,
    private readonly logger: Logger,
    /** What to log when a round fails, e.g. "sending HL7 results failed; retrying". */
    private readonly failure: string,
    private readonly schedule: RoundSchedule,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), this.schedule.everyMs);
    if (this.schedule.atStart) this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.again = false;
    await this.running;
  }

  /** Runs a round now, or right after the one running. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .then(
        () => undefined,
        (err: unknown) => this.logger.error(this.failure, { error: (err as Error).message }),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }
}
