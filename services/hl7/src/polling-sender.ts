import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from '@tessera/telemetry';

// How often a queue is looked at when nothing wakes its sender (retries fall due, other replicas queued).
const POLL_MS = 1000;

/**
 * Works off a durable queue of outbound messages (results to the RIS, FHIR notifications): a round
 * when woken (something was queued), and one every second for retries that fall due. Rounds never
 * overlap; a wake during a round makes another round follow it.
 */
export abstract class PollingSender implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  protected constructor(
    private readonly round: () => Promise<unknown>,
    private readonly logger: Logger,
    /** What to log when a round fails, e.g. "sending HL7 results failed; retrying". */
    private readonly failure: string,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), POLL_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.again = false;
    await this.running;
  }

  /** Sends what is due now. */
  wake(): void {
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
        if (this.again && this.timer) {
          this.again = false;
          this.wake();
        }
      });
  }
}
