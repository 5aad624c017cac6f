import type { AuditTrail } from '@tessera/audit';
import type { BlobStore } from '@tessera/blob-store';
import type { ErasureJob, PatientErasureStore } from '@tessera/erasure';

/**
 * Finishes an erasure whose rows are gone: records it in the audit trail (a Patient Record "D" and a
 * DICOM Study Deleted per study, PS3.15 A.5.3 and A.5.3.8, each with the erasure's reason), then
 * deletes its objects, then marks it finished. Every step may run again after a crash: the audit
 * messages are recorded once the job says so (at least once), deleting a missing object is not an
 * error, and no row points at the objects any more.
 */
export class FinishErasureUseCase {
  constructor(
    private readonly store: PatientErasureStore,
    private readonly blobs: BlobStore,
    private readonly trail: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(job: ErasureJob): Promise<void> {
    if (!job.audited) {
      const patient = { id: job.patient.patientID, ...(job.patient.issuerOfPatientID !== '' ? { issuer: job.patient.issuerOfPatientID } : {}) };
      const base = { tenant: job.tenant, occurredAt: job.requestedAt, actors: [job.requestedBy], patient, reason: job.reason };
      await this.trail.record({ type: 'patient-record', action: 'D', ...base });
      for (const study of job.studies) {
        await this.trail.record({
          type: 'study-deleted',
          ...base,
          study: { studyInstanceUID: study.studyInstanceUID, ...(study.accessionNumber ? { accessionNumbers: [study.accessionNumber] } : {}), sopClasses: study.sopClasses },
        });
      }
      await this.store.markAudited(job.id);
    }
    await this.blobs.deleteMany(job.objectKeys);
    await this.store.markFinished(job.id, this.now());
  }
}
