import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, PeriodicRound } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { StorageCommitmentUseCase } from './storage-commitment.use-case';

/**
 * Delivers storage commitment reports due again (after a failed delivery, or a process that stopped
 * mid-way) in each ingest process, every 5 seconds.
 */
@Injectable()
export class CommitmentSweep extends PeriodicRound {
  constructor(commitments: StorageCommitmentUseCase, @Inject(LOGGER) logger: Logger) {
    super(() => commitments.sweep(), logger.child({ component: 'storage-commitment' }), 'storage commitment sweep failed', { everyMs: 5_000 });
  }
}
