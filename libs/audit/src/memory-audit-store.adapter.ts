import type { AuditSearch, AuditStore } from './audit-store.port';
import { chainOf, chainRecord, verifyChain, type AuditEntry, type AuditRecord, type ChainVerification } from './hash-chain';

/** The in-memory twin of the audit store, for unit tests. */
export class MemoryAuditStore implements AuditStore {
  private readonly records: AuditRecord[] = [];
  private readonly heads = new Map<string, { sequence: number; hash: string }>();

  async append(entry: AuditEntry): Promise<AuditRecord> {
    const chain = chainOf(entry.tenant);
    // Synchronous from reading the head to writing it: JavaScript runs it to the end, so no other append interleaves.
    const record = chainRecord(structuredClone(entry), chain, this.heads.get(chain));
    this.records.push(record);
    this.heads.set(chain, { sequence: record.sequence, hash: record.hash });
    return structuredClone(record);
  }

  async search(q: AuditSearch): Promise<AuditRecord[]> {
    const matches = this.records.filter(
      (r) =>
        (q.tenant === undefined || (r.tenant ?? null) === q.tenant) &&
        (q.from === undefined || Date.parse(r.eventTime) >= q.from.getTime()) &&
        (q.to === undefined || Date.parse(r.eventTime) < q.to.getTime()) &&
        (q.eventType === undefined || r.eventType === q.eventType) &&
        (q.userId === undefined || r.userIds.includes(q.userId)) &&
        (q.patientId === undefined || r.patientIds.includes(q.patientId)) &&
        (q.studyInstanceUID === undefined || r.studyInstanceUIDs.includes(q.studyInstanceUID)),
    );
    const order = new Map(this.records.map((r, i) => [r, i]));
    matches.sort((a, b) => Date.parse(b.eventTime) - Date.parse(a.eventTime) || (order.get(b) as number) - (order.get(a) as number));
    const offset = q.offset ?? 0;
    return structuredClone(matches.slice(offset, offset + q.limit));
  }

  async verify(tenant: string | null): Promise<ChainVerification> {
    const chain = chainOf(tenant ?? undefined);
    return verifyChain(
      chain,
      this.records.filter((r) => r.chain === chain),
      this.heads.get(chain),
    );
  }

  /** Test hook: replaces a stored record as an attacker with write access to the store would. */
  tamper(chain: string, sequence: number, change: (r: AuditRecord) => AuditRecord | undefined): void {
    const i = this.records.findIndex((r) => r.chain === chain && r.sequence === sequence);
    if (i < 0) throw new Error(`no record ${chain}/${sequence}`);
    const changed = change(this.records[i] as AuditRecord);
    if (changed) this.records[i] = changed;
    else this.records.splice(i, 1);
  }
}
