import type { AuditParticipant } from '@tessera/audit';
import { InstancesDeletedV1 } from '@tessera/contracts';
import type { DeletionScope, InstanceDeletion, InstanceDeletionStore, LegalHold } from '@tessera/erasure';
import { outboxEntry } from '@tessera/outbox';
import type { Logger } from '@tessera/telemetry';
import { randomUUID } from 'node:crypto';
import type { AuditDeletionsUseCase } from './audit-deletions.use-case';
import type { PurgeDeletionsUseCase } from './purge-deletions.use-case';

export interface DeleteInstancesCommand {
  readonly tenant: string;
  readonly scope: DeletionScope;
  readonly requestedBy: AuditParticipant;
  readonly correlationId: string;
}

export type DeleteInstancesResult =
  | { readonly kind: 'deleted'; readonly deletion: InstanceDeletion }
  | { readonly kind: 'held'; readonly hold: LegalHold }
  | { readonly kind: 'patient-unknown' }
  | { readonly kind: 'not-found' };

/**
 * Deletes a study, a series or an instance (issue 4) unless its patient is on legal hold (or not
 * known yet, the study being stored but not indexed): the rows in
 * one transaction with the instances.deleted.v1 event and what its audit record says, so that from the
 * commit on nothing finds them, then the audit record (retried by the purge sweep until written). The objects stay until the purge (DELETION_PURGE_AFTER_S); with no delay,
 * they are purged at once.
 */
export class DeleteInstancesUseCase {
  constructor(
    private readonly store: InstanceDeletionStore,
    private readonly audits: AuditDeletionsUseCase,
    private readonly purge: PurgeDeletionsUseCase,
    private readonly notify: () => void,
    private readonly logger: Logger,
    private readonly options: { readonly source: string; readonly purgeAfterMs: number },
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(command: DeleteInstancesCommand): Promise<DeleteInstancesResult> {
    const at = this.now();
    const outcome = await this.store.deleteInstances(
      { id: randomUUID(), tenant: command.tenant, scope: command.scope, requestedBy: command.requestedBy, at, purgeAfter: new Date(at.getTime() + this.options.purgeAfterMs) },
      (deletion) => [this.event(deletion, command.correlationId, at)],
    );
    if (outcome.kind !== 'deleted') return outcome;
    const { deletion } = outcome;
    this.notify();
    this.logger.info('instances deleted', { tenant: deletion.tenant, deletionId: deletion.id, study: deletion.scope.study, objects: deletion.objectKeys.length });
    // The deletion is committed whatever happens to its audit record: the caller must learn that, and
    // the purge sweep writes the record if the trail cannot take it now.
    await this.audits
      .record({ id: deletion.id, tenant: deletion.tenant, scope: deletion.scope, patient: deletion.patient, study: deletion.study, requestedBy: command.requestedBy, requestedAt: at })
      .catch((err: Error) => this.logger.error('auditing a deletion failed; the purge sweep retries it', { deletionId: deletion.id, error: err.message }));
    if (this.options.purgeAfterMs === 0) {
      // The sweep retries what fails here.
      await this.purge.execute(this.now()).catch((err: Error) => this.logger.warn('purging at once failed; the purge sweep retries it', { deletionId: deletion.id, error: err.message }));
    }
    return outcome;
  }

  private event(deletion: InstanceDeletion, correlationId: string, at: Date) {
    const { scope } = deletion;
    return outboxEntry(
      InstancesDeletedV1,
      { tenant: deletion.tenant, source: this.options.source, correlationId },
      {
        deletionId: deletion.id,
        studyInstanceUID: scope.study,
        scope: scope.instance !== undefined ? 'instance' : scope.series !== undefined ? 'series' : 'study',
        series: deletion.series.map((s) => ({ seriesInstanceUID: s.seriesInstanceUID, sopInstanceUIDs: [...s.sopInstanceUIDs] })),
        studyDeleted: deletion.studyDeleted,
        purgeAfter: deletion.purgeAfter.toISOString(),
      },
      at,
    );
  }
}
