import type { CommitmentRecord, CommitmentRequest, CommitmentResult, CommitmentStore } from './commitment-store.port';

type Entry = { record: CommitmentRecord; dueAt: number };

/** The in-memory twin of the commitment store, for the all-in-one mode's unit tests. */
export class MemoryCommitmentStore implements CommitmentStore {
  private readonly entries = new Map<string, Entry>();

  async accept(request: CommitmentRequest, leaseMs: number): Promise<void> {
    this.entries.set(key(request.tenant, request.transactionUID), { record: { ...request, state: 'pending', attempts: 0, receivedAt: new Date() }, dueAt: Date.now() + leaseMs });
  }

  async claimDue(limit: number, leaseMs: number): Promise<CommitmentRecord[]> {
    const now = Date.now();
    const due = [...this.entries.values()]
      .filter((e) => e.record.state === 'pending' && e.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit);
    for (const e of due) e.dueAt = now + leaseMs;
    return due.map((e) => e.record);
  }

  async recordResult(tenant: string, transactionUID: string, result: CommitmentResult): Promise<void> {
    this.update(tenant, transactionUID, (r) => ({ ...r, result }));
  }

  async markReported(tenant: string, transactionUID: string): Promise<void> {
    this.update(tenant, transactionUID, (r) => ({ ...r, state: 'reported', attempts: r.attempts + 1, reportedAt: new Date() }));
  }

  async deliveryFailed(tenant: string, transactionUID: string, error: string, retryAt: Date | undefined): Promise<void> {
    const entry = this.update(tenant, transactionUID, (r) => ({ ...r, state: retryAt ? 'pending' : 'abandoned', attempts: r.attempts + 1, lastError: error }));
    if (entry && retryAt) entry.dueAt = retryAt.getTime();
  }

  async find(tenant: string, transactionUID: string): Promise<CommitmentRecord | undefined> {
    return this.entries.get(key(tenant, transactionUID))?.record;
  }

  async forgetFinished(before: Date): Promise<number> {
    let forgotten = 0;
    for (const [k, e] of this.entries) {
      if (e.record.state !== 'pending' && e.record.receivedAt < before) {
        this.entries.delete(k);
        forgotten += 1;
      }
    }
    return forgotten;
  }

  private update(tenant: string, transactionUID: string, change: (r: CommitmentRecord) => CommitmentRecord): Entry | undefined {
    const entry = this.entries.get(key(tenant, transactionUID));
    if (entry) entry.record = change(entry.record);
    return entry;
  }
}

function key(tenant: string, transactionUID: string): string {
  return `${tenant}/${transactionUID}`;
}
