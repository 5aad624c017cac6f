import type { OutboxEntry } from '@tessera/outbox';
import type { AuditParticipant } from '@tessera/audit';
import type { DeleteInstancesOutcome, DeletionAudit, DeletionRequest, InstanceDeletion, InstanceDeletionStore, PendingPurge } from './instance-deletion.port';
import type { PatientErasureStore, PatientIdentity } from './patient-erasure.port';

/** One instance as the in-memory twin keeps it, standing for its index and catalog rows. */
export interface MemoryInstanceRecord {
  readonly tenant: string;
  readonly patient?: PatientIdentity;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly sopInstanceUID: string;
  readonly sopClassUID: string;
  readonly objectKey: string;
  readonly accessionNumber?: string;
}

/**
 * The in-memory twin: instances as tests put them (`addInstance`), legal holds read from a patient
 * erasure store (so that tests set them as the API does), deletions and the outbox in memory.
 */
export class MemoryInstanceDeletion implements InstanceDeletionStore {
  readonly events: OutboxEntry[] = [];
  private instances: MemoryInstanceRecord[] = [];
  // Index rows whose object is not in the catalog (indexed after their deletion).
  private uncataloged: MemoryInstanceRecord[] = [];
  private readonly deletions = new Map<string, { deletion: InstanceDeletion; requestedBy: AuditParticipant; auditedAt?: Date; purgedAt?: Date }>();

  constructor(private readonly holds: Pick<PatientErasureStore, 'holdOf'>) {}

  addInstance(record: MemoryInstanceRecord): void {
    this.instances = [...this.instances.filter((i) => i.tenant !== record.tenant || i.sopInstanceUID !== record.sopInstanceUID), record];
  }

  /** Adds an index row whose object the catalog does not have, as a late instance.stored event makes. */
  addUncataloged(record: MemoryInstanceRecord): void {
    this.uncataloged = [...this.uncataloged, record];
  }

  /** The SOP Instance UIDs of a tenant's study that are left, in the index or the catalog. */
  remaining(tenant: string, study: string): string[] {
    return [...this.instances, ...this.uncataloged].filter((i) => i.tenant === tenant && i.studyInstanceUID === study).map((i) => i.sopInstanceUID);
  }

  async deleteInstances(request: DeletionRequest, announce: (deletion: InstanceDeletion) => readonly OutboxEntry[]): Promise<DeleteInstancesOutcome> {
    const { tenant, scope } = request;
    const ofStudy = this.instances.filter((i) => i.tenant === tenant && i.studyInstanceUID === scope.study);
    const patient = ofStudy.find((i) => i.patient)?.patient;
    const taken = ofStudy.filter((i) => (scope.series === undefined || i.seriesInstanceUID === scope.series) && (scope.instance === undefined || i.sopInstanceUID === scope.instance));
    if (taken.length === 0) return { kind: 'not-found' };
    // A record without a patient stands for an instance stored but not indexed yet.
    if (!patient) return { kind: 'patient-unknown' };
    const hold = await this.holds.holdOf(tenant, patient);
    if (hold) return { kind: 'held', hold };
    const accessionNumber = ofStudy.find((i) => i.accessionNumber)?.accessionNumber;
    const sopClasses = [...new Set(taken.map((i) => i.sopClassUID))].sort(compare).map((c) => ({ sopClassUID: c, numberOfInstances: taken.filter((i) => i.sopClassUID === c).length }));
    const deletion: InstanceDeletion = {
      id: request.id,
      tenant,
      scope,
      patient,
      study: { studyInstanceUID: scope.study, ...(accessionNumber ? { accessionNumber } : {}), sopClasses },
      series: [...new Set(taken.map((i) => i.seriesInstanceUID))].sort(compare).map((s) => ({
        seriesInstanceUID: s,
        sopInstanceUIDs: taken.filter((i) => i.seriesInstanceUID === s).map((i) => i.sopInstanceUID).sort(compare),
      })),
      studyDeleted: taken.length === ofStudy.length,
      objectKeys: [...new Set(taken.map((i) => i.objectKey))].sort(),
      requestedAt: request.at,
      purgeAfter: request.purgeAfter,
    };
    const events = announce(deletion);
    this.instances = this.instances.filter((i) => !taken.includes(i));
    this.deletions.set(deletion.id, { deletion, requestedBy: request.requestedBy });
    this.events.push(...events);
    return { kind: 'deleted', deletion };
  }

  async unaudited(limit: number): Promise<DeletionAudit[]> {
    return [...this.deletions.values()]
      .filter((d) => d.auditedAt === undefined)
      .sort((a, b) => a.deletion.requestedAt.getTime() - b.deletion.requestedAt.getTime() || compare(a.deletion.id, b.deletion.id))
      .slice(0, limit)
      .map(({ deletion: d, requestedBy }) => ({ id: d.id, tenant: d.tenant, scope: d.scope, patient: d.patient, study: d.study, requestedBy, requestedAt: d.requestedAt }));
  }

  async markAudited(id: string, at: Date): Promise<void> {
    const entry = this.deletions.get(id);
    if (entry && !entry.auditedAt) this.deletions.set(id, { ...entry, auditedAt: at });
  }

  async duePurges(now: Date, limit: number): Promise<PendingPurge[]> {
    return [...this.deletions.values()]
      .filter((d) => d.purgedAt === undefined && d.deletion.purgeAfter <= now)
      .map((d) => d.deletion)
      .sort((a, b) => a.purgeAfter.getTime() - b.purgeAfter.getTime() || compare(a.id, b.id))
      .slice(0, limit)
      .map((d) => ({ id: d.id, tenant: d.tenant, studyInstanceUID: d.scope.study, objectKeys: d.objectKeys }));
  }

  async forgetUncataloged(tenant: string, study: string, sopInstanceUIDs: readonly string[]): Promise<number> {
    const gone = this.uncataloged.filter((i) => i.tenant === tenant && i.studyInstanceUID === study && sopInstanceUIDs.includes(i.sopInstanceUID));
    this.uncataloged = this.uncataloged.filter((i) => !gone.includes(i));
    return gone.length;
  }

  async markPurged(id: string, at: Date, events: readonly OutboxEntry[]): Promise<void> {
    const entry = this.deletions.get(id);
    if (!entry || entry.purgedAt) return;
    this.deletions.set(id, { ...entry, purgedAt: at });
    this.events.push(...events);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
