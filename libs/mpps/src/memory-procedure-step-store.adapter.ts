import type { OutboxEntry } from '@tessera/outbox';
import type { PerformedProcedureStep, ProcedureStepChange, ProcedureStepStore } from './procedure-step-store.port';

/** The in-memory twin of the procedure-step store, for unit tests. */
export class MemoryProcedureStepStore implements ProcedureStepStore {
  private readonly steps = new Map<string, PerformedProcedureStep>();
  /** Its outbox. */
  readonly events: OutboxEntry[] = [];

  async find(tenant: string, sopInstanceUID: string): Promise<PerformedProcedureStep | undefined> {
    const step = this.steps.get(`${tenant}/${sopInstanceUID}`);
    return step && structuredClone(step);
  }

  async create(step: Omit<PerformedProcedureStep, 'revision'>, events: readonly OutboxEntry[]): Promise<'created' | 'duplicate'> {
    const key = `${step.tenant}/${step.sopInstanceUID}`;
    if (this.steps.has(key)) return 'duplicate';
    this.steps.set(key, structuredClone({ ...step, revision: 1 }));
    this.events.push(...events);
    return 'created';
  }

  async update(change: ProcedureStepChange, events: readonly OutboxEntry[]): Promise<'updated' | 'stale'> {
    const key = `${change.tenant}/${change.sopInstanceUID}`;
    const step = this.steps.get(key);
    if (!step || step.revision !== change.fromRevision || step.status !== 'IN PROGRESS') return 'stale';
    this.steps.set(key, { ...step, status: change.status, attributes: structuredClone(change.attributes), revision: step.revision + 1 });
    this.events.push(...events);
    return 'updated';
  }
}
