import { matchesAll, stringValue, tagKey } from '@tessera/dicom';
import type { WorklistFilter, WorklistItem, WorklistStore } from './worklist.port';
import { assertIndexed, scheduledStepOf, SCHEDULED_STEP_INDEXED_TAGS, WORKLIST_INDEXED_TAGS, WorklistTags, type ScheduledStepStatus } from './worklist-attributes';

/** The in-memory twin of the worklist store, for unit tests; same contract as the SQL adapter. */
export class MemoryWorklistStore implements WorklistStore {
  private readonly items = new Map<string, WorklistItem>();

  async create(item: WorklistItem): Promise<'created' | 'exists'> {
    const key = keyOf(item.tenant, item.studyInstanceUID, item.scheduledProcedureStepID);
    if (this.items.has(key)) return 'exists';
    this.items.set(key, item);
    return 'created';
  }

  async put(item: WorklistItem): Promise<'created' | 'updated'> {
    const key = keyOf(item.tenant, item.studyInstanceUID, item.scheduledProcedureStepID);
    const existed = this.items.has(key);
    this.items.set(key, item);
    return existed ? 'updated' : 'created';
  }

  async find(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string): Promise<WorklistItem | undefined> {
    return this.items.get(keyOf(tenant, studyInstanceUID, scheduledProcedureStepID));
  }

  async remove(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string): Promise<boolean> {
    return this.items.delete(keyOf(tenant, studyInstanceUID, scheduledProcedureStepID));
  }

  async setStatus(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string, to: ScheduledStepStatus, from: readonly ScheduledStepStatus[]): Promise<boolean> {
    const key = keyOf(tenant, studyInstanceUID, scheduledProcedureStepID);
    const item = this.items.get(key);
    const status = item && stringValue(scheduledStepOf(item.attributes), tagKey(WorklistTags.ScheduledProcedureStepStatus));
    if (!item || !(from as readonly string[]).includes(status ?? '')) return false;
    const attributes = structuredClone(item.attributes);
    scheduledStepOf(attributes)[tagKey(WorklistTags.ScheduledProcedureStepStatus)] = { vr: 'CS', Value: [to] };
    this.items.set(key, { ...item, attributes });
    return true;
  }

  async search(tenant: string, filter: WorklistFilter): Promise<WorklistItem[]> {
    assertIndexed(filter.keys, WORKLIST_INDEXED_TAGS);
    assertIndexed(filter.stepKeys, SCHEDULED_STEP_INDEXED_TAGS);
    return [...this.items.values()]
      .filter((i) => i.tenant === tenant && matchesAll(i.attributes, filter.keys) && matchesAll(scheduledStepOf(i.attributes), filter.stepKeys))
      .sort((a, b) => compare(orderOf(a), orderOf(b)))
      .slice(filter.offset, filter.offset + filter.limit);
  }
}

function keyOf(tenant: string, study: string, step: string): string {
  return `${tenant}\u0000${study}\u0000${step}`;
}

// Schedule order, as the SQL adapter sorts (code-point order of each part).
function orderOf(item: WorklistItem): string[] {
  const step = scheduledStepOf(item.attributes);
  const value = (tag: number): string => stringValue(step, tagKey(tag)) ?? '';
  return [value(WorklistTags.ScheduledProcedureStepStartDate), value(WorklistTags.ScheduledProcedureStepStartTime), item.studyInstanceUID, item.scheduledProcedureStepID];
}

function compare(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
