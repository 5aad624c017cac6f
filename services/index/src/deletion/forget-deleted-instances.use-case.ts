import { type IncomingMessage, PermanentError, readEnvelope } from '@tessera/bus';
import { InstancesDeletedV1, parseEvent } from '@tessera/contracts';
import type { InstanceDeletionStore } from '@tessera/erasure';
import type { Logger } from '@tessera/telemetry';

/**
 * The index's side of a deletion, from instances.deleted.v1: an instance stored just before its
 * deletion may be indexed just after it (the indexer consumes instance.stored.v1 later), and would be
 * found again without its object. The deletion event comes after the stored events of its study
 * (same key, same partition), so forgetting the instances' uncataloged rows then puts that right; an
 * index rebuilt by replaying the topic ends without them too. Other event types are skipped.
 */
export class ForgetDeletedInstancesUseCase {
  constructor(
    private readonly store: InstanceDeletionStore,
    private readonly logger: Logger,
  ) {}

  /** Handles the deletion events of the messages, in order; returns how many index rows went. */
  async handle(messages: readonly IncomingMessage[]): Promise<number> {
    let forgotten = 0;
    for (const message of messages) {
      const { type, raw } = readEnvelope(message);
      if (type !== InstancesDeletedV1.type) continue;
      let event;
      try {
        event = parseEvent(InstancesDeletedV1, raw);
      } catch (err) {
        throw new PermanentError(`instances.deleted.v1 breaks its schema: ${(err as Error).message}`);
      }
      const sops = event.data.series.flatMap((s) => s.sopInstanceUIDs);
      const gone = await this.store.forgetUncataloged(event.tenant, event.data.studyInstanceUID, sops);
      if (gone > 0) this.logger.info('forgot instances indexed after their deletion', { tenant: event.tenant, deletionId: event.data.deletionId, instances: gone });
      forgotten += gone;
    }
    return forgotten;
  }
}
