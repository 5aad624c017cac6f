import type { PatientErasureStore } from '@tessera/erasure';
import type { Logger } from '@tessera/telemetry';
import type { FinishErasureUseCase } from './finish-erasure.use-case';

// Jobs taken per pass; the rest wait for the next one.
const BATCH = 20;
// A job younger than this is left to the request that made it, which is finishing it.
const GRACE_MS = 60_000;

/**
 * Finishes the erasures that an earlier attempt left unfinished (a crash between deleting the rows
 * and deleting the objects, an object store that was down). A job that fails again stays for the
 * next pass; the others go on. Returns how many were finished.
 */
export class ResumeErasuresUseCase {
  constructor(
    private readonly store: PatientErasureStore,
    private readonly finish: FinishErasureUseCase,
    private readonly logger: Logger,
  ) {}

  async execute(now: Date): Promise<number> {
    let finished = 0;
    for (const job of await this.store.unfinished(new Date(now.getTime() - GRACE_MS), BATCH)) {
      try {
        await this.finish.execute(job);
        finished++;
        this.logger.info('erasure finished', { tenant: job.tenant, erasureId: job.id, objects: job.objectKeys.length });
      } catch (err) {
        this.logger.warn('finishing an erasure failed; retrying at the next sweep', { erasureId: job.id, error: (err as Error).message });
      }
    }
    return finished;
  }
}
