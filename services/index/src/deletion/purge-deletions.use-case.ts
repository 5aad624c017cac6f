import type { BlobStore } from '@tessera/blob-store';
import { InstancesPurgedV1 } from '@tessera/contracts';
import type { InstanceDeletionStore } from '@tessera/erasure';
import { outboxEntry } from '@tessera/outbox';
import type { Logger } from '@tessera/telemetry';
import { randomUUID } from 'node:crypto';

// Deletions taken per pass; the rest wait for the next one.
const BATCH = 20;

/**
 * Purges deleted instances from the object store once their time has come: deletes each deletion's
 * objects, then marks it purged with its instances.purged.v1 event. Every step may run again after a
 * crash or on another replica: deleting a missing object is not an error, no row points at the
 * objects any more, and a deletion is marked (and announced) once. A deletion that fails stays for
 * the next pass; the others go on. Returns how many were purged.
 */
export class PurgeDeletionsUseCase {
  constructor(
    private readonly store: InstanceDeletionStore,
    private readonly blobs: BlobStore,
    private readonly notify: () => void,
    private readonly logger: Logger,
    private readonly options: { readonly source: string },
  ) {}

  async execute(now: Date): Promise<number> {
    let purged = 0;
    for (const due of await this.store.duePurges(now, BATCH)) {
      try {
        await this.blobs.deleteMany(due.objectKeys);
        const event = outboxEntry(
          InstancesPurgedV1,
          { tenant: due.tenant, source: this.options.source, correlationId: randomUUID() },
          { deletionId: due.id, studyInstanceUID: due.studyInstanceUID, objects: due.objectKeys.length },
          now,
        );
        await this.store.markPurged(due.id, now, [event]);
        purged++;
        this.logger.info('deleted instances purged', { tenant: due.tenant, deletionId: due.id, objects: due.objectKeys.length });
      } catch (err) {
        this.logger.warn('purging deleted instances failed; retrying at the next sweep', { deletionId: due.id, error: (err as Error).message });
      }
    }
    if (purged > 0) this.notify();
    return purged;
  }
}
