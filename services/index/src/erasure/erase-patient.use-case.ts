import type { AuditParticipant } from '@tessera/audit';
import { PatientErasedV1 } from '@tessera/contracts';
import type { ErasureJob, LegalHold, PatientErasureStore, PatientIdentity } from '@tessera/erasure';
import { outboxEntry } from '@tessera/outbox';
import type { Logger } from '@tessera/telemetry';
import { randomUUID } from 'node:crypto';
import type { FinishErasureUseCase } from './finish-erasure.use-case';
import { checkErasureInput } from './erasure-input';

export interface ErasePatientCommand {
  readonly tenant: string;
  readonly patient: PatientIdentity;
  readonly reason: string;
  readonly requestedBy: AuditParticipant;
  readonly correlationId: string;
}

export type ErasePatientResult =
  | {
      readonly kind: 'erased';
      readonly erasureId: string;
      readonly studyInstanceUIDs: readonly string[];
      readonly objects: number;
      /** False when deleting the objects failed: the erasure sweep finishes it. */
      readonly finished: boolean;
    }
  | { readonly kind: 'held'; readonly hold: LegalHold }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'invalid'; readonly message: string };

/**
 * Erases a patient from a tenant (issue 6) unless a legal hold is set on it: every row in one
 * transaction with the job that remembers its objects and the patient.erased.v1 event, then the
 * audit messages and the objects (FinishErasureUseCase). Instances of the patient that arrive later
 * are stored as those of a new patient.
 */
export class ErasePatientUseCase {
  constructor(
    private readonly store: PatientErasureStore,
    private readonly finish: FinishErasureUseCase,
    private readonly notify: () => void,
    private readonly logger: Logger,
    private readonly options: { readonly source: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(command: ErasePatientCommand): Promise<ErasePatientResult> {
    const invalid = checkErasureInput(command.patient, command.reason);
    if (invalid) return { kind: 'invalid', message: invalid };
    const at = this.now();
    const outcome = await this.store.eraseRecords({ id: randomUUID(), tenant: command.tenant, patient: command.patient, reason: command.reason, requestedBy: command.requestedBy, at }, (job) => [
      this.event(job, command.correlationId, at),
    ]);
    if (outcome.kind !== 'erased') return outcome;
    const { job } = outcome;
    this.notify();
    this.logger.info('patient erased', { tenant: job.tenant, erasureId: job.id, studies: job.studies.length, objects: job.objectKeys.length });
    let finished = true;
    try {
      await this.finish.execute(job);
    } catch (err) {
      finished = false;
      this.logger.warn('finishing an erasure failed; the erasure sweep retries it', { erasureId: job.id, error: (err as Error).message });
    }
    return { kind: 'erased', erasureId: job.id, studyInstanceUIDs: job.studies.map((s) => s.studyInstanceUID), objects: job.objectKeys.length, finished };
  }

  private event(job: ErasureJob, correlationId: string, at: Date) {
    return outboxEntry(
      PatientErasedV1,
      { tenant: job.tenant, source: this.options.source, correlationId },
      { patient: { ...job.patient }, erasureId: job.id, studyInstanceUIDs: job.studies.map((s) => s.studyInstanceUID) },
      at,
    );
  }
}
