import type { OutboxEntry } from '@tessera/outbox';
import type { CatalogScope, ObjectCatalog, ObjectRef, RecordOutcome, StoredObject } from './object-catalog.port';

/** The in-memory twin of the catalog, for unit tests; `events` is its outbox. */
export class MemoryObjectCatalog implements ObjectCatalog {
  readonly objects = new Map<string, StoredObject>();
  readonly events: OutboxEntry[] = [];
  /** Frame indexes by object key. */
  readonly frameIndexes = new Map<string, Buffer>();

  async record(object: StoredObject, events: readonly OutboxEntry[], frameIndex?: Buffer): Promise<RecordOutcome> {
    const key = `${object.tenant}/${object.sopInstanceUID}`;
    const existing = this.objects.get(key);
    if (existing) return { kind: 'exists', existing };
    this.objects.set(key, object);
    this.events.push(...events);
    if (frameIndex) this.frameIndexes.set(object.objectKey, Buffer.from(frameIndex));
    return { kind: 'recorded' };
  }

  async find(tenant: string, sopInstanceUID: string): Promise<StoredObject | undefined> {
    return this.objects.get(`${tenant}/${sopInstanceUID}`);
  }

  async list(tenant: string, scope: CatalogScope): Promise<StoredObject[]> {
    return [...this.objects.values()]
      .filter(
        (o) =>
          o.tenant === tenant &&
          o.studyInstanceUID === scope.study &&
          (scope.series === undefined || o.seriesInstanceUID === scope.series) &&
          (scope.instance === undefined || o.sopInstanceUID === scope.instance),
      )
      .sort((a, b) => compare(a.seriesInstanceUID, b.seriesInstanceUID) || compare(a.sopInstanceUID, b.sopInstanceUID));
  }

  async frameIndex(object: ObjectRef): Promise<Buffer | undefined> {
    return this.holds(object) ? this.frameIndexes.get(object.objectKey) : undefined;
  }

  async saveFrameIndex(object: ObjectRef, frameIndex: Buffer): Promise<void> {
    if (this.holds(object)) this.frameIndexes.set(object.objectKey, Buffer.from(frameIndex));
  }

  private holds(ref: ObjectRef): boolean {
    return this.objects.get(`${ref.tenant}/${ref.sopInstanceUID}`)?.objectKey === ref.objectKey;
  }
}

// Code-point order, as COLLATE "C" sorts in the database.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
