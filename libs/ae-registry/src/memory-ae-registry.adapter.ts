import type { OutboxEntry } from '@tessera/outbox';
import type { AeRegistry, ApplicationEntity, AssociationRejection } from './ae-registry.port';

/** The in-memory twin of the registry, for unit tests. */
export class MemoryAeRegistry implements AeRegistry {
  private readonly entries = new Map<string, ApplicationEntity>();
  private readonly rejected: AssociationRejection[] = [];
  /** Its outbox. */
  readonly events: OutboxEntry[] = [];

  async list(tenant: string): Promise<ApplicationEntity[]> {
    return [...this.entries.values()].filter((e) => e.tenant === tenant).sort((a, b) => (a.aeTitle < b.aeTitle ? -1 : 1));
  }

  async find(tenant: string, aeTitle: string): Promise<ApplicationEntity | undefined> {
    return this.entries.get(`${tenant}/${aeTitle}`);
  }

  async put(entry: ApplicationEntity): Promise<'created' | 'updated'> {
    const key = `${entry.tenant}/${entry.aeTitle}`;
    const existed = this.entries.has(key);
    this.entries.set(key, entry);
    return existed ? 'updated' : 'created';
  }

  async remove(tenant: string, aeTitle: string): Promise<boolean> {
    return this.entries.delete(`${tenant}/${aeTitle}`);
  }

  async recordRejection(rejection: Omit<AssociationRejection, 'rejectedAt'>, events: readonly OutboxEntry[]): Promise<void> {
    this.rejected.unshift({ ...rejection, rejectedAt: new Date() });
    this.events.push(...events);
  }

  async rejections(tenant: string | undefined, limit: number): Promise<AssociationRejection[]> {
    return this.rejected.filter((r) => r.tenant === tenant).slice(0, limit);
  }
}
