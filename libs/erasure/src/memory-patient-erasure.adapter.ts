import type { OutboxEntry } from '@tessera/outbox';
import type { EraseRecordsOutcome, ErasedStudy, ErasureJob, ErasureRequest, LegalHold, PatientErasureStore, PatientIdentity } from './patient-erasure.port';

interface Records {
  readonly studies: readonly ErasedStudy[];
  readonly objectKeys: readonly string[];
}

/**
 * The in-memory twin: holds, jobs and the outbox in maps, and the patients' records as tests put them
 * (`addRecords`), standing for the index, the catalog, the orders and the worklist.
 */
export class MemoryPatientErasure implements PatientErasureStore {
  readonly events: OutboxEntry[] = [];
  private readonly holds = new Map<string, LegalHold>();
  private readonly records = new Map<string, Records>();
  private readonly jobs = new Map<string, { job: ErasureJob; finishedAt?: Date }>();

  /** Gives a patient studies and objects (or more of them). */
  addRecords(tenant: string, patient: PatientIdentity, studies: readonly ErasedStudy[], objectKeys: readonly string[]): void {
    const now = this.records.get(keyOf(tenant, patient));
    this.records.set(keyOf(tenant, patient), { studies: [...(now?.studies ?? []), ...studies], objectKeys: [...(now?.objectKeys ?? []), ...objectKeys] });
  }

  /** Whether anything of the patient is left. */
  hasRecords(tenant: string, patient: PatientIdentity): boolean {
    return this.records.has(keyOf(tenant, patient));
  }

  /** Whether the job is finished. */
  isFinished(id: string): boolean {
    return this.jobs.get(id)?.finishedAt !== undefined;
  }

  async setHold(tenant: string, hold: LegalHold): Promise<void> {
    this.holds.set(keyOf(tenant, hold.patient), hold);
  }

  async clearHold(tenant: string, patient: PatientIdentity): Promise<LegalHold | undefined> {
    const hold = this.holds.get(keyOf(tenant, patient));
    this.holds.delete(keyOf(tenant, patient));
    return hold;
  }

  async holdOf(tenant: string, patient: PatientIdentity): Promise<LegalHold | undefined> {
    return this.holds.get(keyOf(tenant, patient));
  }

  async eraseRecords(request: ErasureRequest, announce: (job: ErasureJob) => readonly OutboxEntry[]): Promise<EraseRecordsOutcome> {
    const key = keyOf(request.tenant, request.patient);
    const hold = this.holds.get(key);
    if (hold) return { kind: 'held', hold };
    const records = this.records.get(key);
    if (!records) return { kind: 'not-found' };
    const job: ErasureJob = {
      id: request.id,
      tenant: request.tenant,
      patient: request.patient,
      reason: request.reason,
      requestedBy: request.requestedBy,
      requestedAt: request.at,
      studies: records.studies,
      objectKeys: [...new Set(records.objectKeys)].sort(),
      audited: false,
    };
    const events = announce(job);
    this.records.delete(key);
    this.jobs.set(job.id, { job });
    this.events.push(...events);
    return { kind: 'erased', job };
  }

  async unfinished(before: Date, limit: number): Promise<ErasureJob[]> {
    return [...this.jobs.values()]
      .filter((j) => j.finishedAt === undefined && j.job.requestedAt < before)
      .map((j) => j.job)
      .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime() || a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  async markAudited(id: string): Promise<void> {
    const entry = this.jobs.get(id);
    if (entry) this.jobs.set(id, { ...entry, job: { ...entry.job, audited: true } });
  }

  async markFinished(id: string, at: Date): Promise<void> {
    const entry = this.jobs.get(id);
    if (entry) this.jobs.set(id, { ...entry, finishedAt: at });
  }
}

function keyOf(tenant: string, patient: PatientIdentity): string {
  return `${tenant}\u0000${patient.issuerOfPatientID}\u0000${patient.patientID}`;
}
