import type { AuditTrail } from '@tessera/audit';
import type { DeletionAudit, InstanceDeletionStore } from '@tessera/erasure';
import type { Logger } from '@tessera/telemetry';

// Deletions whose record is retried per sweep; the rest wait for the next one.
const BATCH = 50;

/**
 * Writes the audit record of a deletion and marks it written. The deletion keeps what the record says
 * from its own transaction, so a record the audit trail could not take when the deletion committed is
 * written by the next sweep (`retry`), with the time of the deletion. A record written twice (a crash
 * between the trail and the mark) is the price of never writing none.
 */
export class AuditDeletionsUseCase {
  constructor(
    private readonly store: Pick<InstanceDeletionStore, 'unaudited' | 'markAudited'>,
    private readonly trail: AuditTrail,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // A whole study: DICOM Study Deleted (PS3.15 A.5.3.8); part of one: DICOM Instances Accessed with
  // action D (PS3.15 A.5.3.2), which is what the standard has for "instances deleted".
  async record(deletion: DeletionAudit): Promise<void> {
    const patient = { id: deletion.patient.patientID, ...(deletion.patient.issuerOfPatientID !== '' ? { issuer: deletion.patient.issuerOfPatientID } : {}) };
    const study = {
      studyInstanceUID: deletion.study.studyInstanceUID,
      ...(deletion.study.accessionNumber ? { accessionNumbers: [deletion.study.accessionNumber] } : {}),
      sopClasses: deletion.study.sopClasses,
    };
    const base = { tenant: deletion.tenant, occurredAt: deletion.requestedAt, actors: [deletion.requestedBy], patient };
    await this.trail.record(deletion.scope.series === undefined ? { type: 'study-deleted', ...base, study } : { type: 'instances-accessed', action: 'D', ...base, studies: [study] });
    await this.store.markAudited(deletion.id, this.now());
  }

  /** Writes the records still missing; one that fails again stays for the next sweep. Returns how many were written. */
  async retry(): Promise<number> {
    let written = 0;
    for (const deletion of await this.store.unaudited(BATCH)) {
      try {
        await this.record(deletion);
        written++;
        this.logger.info('audit record of a deletion written late', { tenant: deletion.tenant, deletionId: deletion.id });
      } catch (err) {
        this.logger.warn('auditing a deletion failed again; retrying at the next sweep', { deletionId: deletion.id, error: (err as Error).message });
      }
    }
    return written;
  }
}
