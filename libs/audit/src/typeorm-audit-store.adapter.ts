import { AuditRecordedV1 } from '@tessera/contracts';
import { appendToOutbox, outboxEntry, type OutboxEntry } from '@tessera/outbox';
import type { Database } from '@tessera/database';
import type { EntityManager } from 'typeorm';
import type { EventActionCode, EventOutcomeIndicator } from './audit-event';
import type { AuditSearch, AuditStore } from './audit-store.port';
import { chainOf, chainRecord, GENESIS_HASH, verifyChain, type AuditEntry, type AuditRecord, type ChainVerification } from './hash-chain';

interface Row {
  chain: string;
  sequence: number;
  tenant_id: string | null;
  record_id: string;
  event_type: string;
  action: EventActionCode;
  outcome: number;
  event_time: Date | string;
  user_ids: string[];
  patient_ids: string[];
  study_instance_uids: string[];
  message: string;
  previous_hash: string;
  hash: string;
}

const COLUMNS = 'chain, sequence, tenant_id, record_id, event_type, action, outcome, event_time, user_ids, patient_ids, study_instance_uids, message, previous_hash, hash';
const VERIFY_PAGE = 1000;

/** The audit store in PostgreSQL (or PGlite): tables audit_record and audit_chain_head. */
export class TypeormAuditStore implements AuditStore {
  /** `publish`: also put each tenant's record on the event bus (audit.recorded.v1), through the outbox in the same transaction. */
  constructor(
    private readonly db: Database,
    private readonly publish?: { readonly source: string },
  ) {}

  async append(entry: AuditEntry): Promise<AuditRecord> {
    const chain = chainOf(entry.tenant);
    return this.db.transaction(async (m) => {
      // The chain's head row is the lock: every append to the chain takes it FOR UPDATE, so appends
      // to one chain run one after the other (across processes too) while other chains go on.
      await m.query('INSERT INTO audit_chain_head (chain, last_sequence, last_hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING', [chain, GENESIS_HASH]);
      const head = await this.head(m, chain, true);
      const record = chainRecord(entry, chain, head);
      await m.query(
        `INSERT INTO audit_record (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10::text[], $11::text[], $12, $13, $14)`,
        [
          record.chain,
          record.sequence,
          record.tenant ?? null,
          record.recordId,
          record.eventType,
          record.action,
          record.outcome,
          record.eventTime,
          [...record.userIds],
          [...record.patientIds],
          [...record.studyInstanceUIDs],
          record.message,
          record.previousHash,
          record.hash,
        ],
      );
      await m.query('UPDATE audit_chain_head SET last_sequence = $2, last_hash = $3 WHERE chain = $1', [chain, record.sequence, record.hash]);
      if (this.publish && record.tenant !== undefined) await appendToOutbox(m, [recordedEvent(record, record.tenant, this.publish.source)]);
      return record;
    });
  }

  async search(q: AuditSearch): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (value: unknown): string => `$${params.push(value)}`;
    if (q.tenant === null) where.push('tenant_id IS NULL');
    else if (q.tenant !== undefined) where.push(`tenant_id = ${add(q.tenant)}`);
    if (q.from) where.push(`event_time >= ${add(q.from.toISOString())}`);
    if (q.to) where.push(`event_time < ${add(q.to.toISOString())}`);
    if (q.eventType !== undefined) where.push(`event_type = ${add(q.eventType)}`);
    // Array containment (@>) is what the GIN indexes serve.
    if (q.userId !== undefined) where.push(`user_ids @> ARRAY[${add(q.userId)}]::text[]`);
    if (q.patientId !== undefined) where.push(`patient_ids @> ARRAY[${add(q.patientId)}]::text[]`);
    if (q.studyInstanceUID !== undefined) where.push(`study_instance_uids @> ARRAY[${add(q.studyInstanceUID)}]::text[]`);
    const rows = (await this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM audit_record ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY event_time DESC, id DESC LIMIT ${add(q.limit)} OFFSET ${add(q.offset ?? 0)}`,
      params,
    )) as Row[];
    return rows.map(fromRow);
  }

  async verify(tenant: string | null): Promise<ChainVerification> {
    const chain = chainOf(tenant ?? undefined);
    const head = await this.head(this.db.dataSource.manager, chain, false);
    return verifyChain(chain, this.records(chain), head);
  }

  private async head(m: EntityManager, chain: string, lock: boolean): Promise<{ sequence: number; hash: string } | undefined> {
    const rows = (await m.query(`SELECT last_sequence, last_hash FROM audit_chain_head WHERE chain = $1${lock ? ' FOR UPDATE' : ''}`, [chain])) as { last_sequence: number; last_hash: string }[];
    const row = rows[0];
    return row && { sequence: Number(row.last_sequence), hash: row.last_hash };
  }

  private async *records(chain: string): AsyncGenerator<AuditRecord> {
    let after = 0;
    for (;;) {
      const rows = (await this.db.dataSource.query(`SELECT ${COLUMNS} FROM audit_record WHERE chain = $1 AND sequence > $2 ORDER BY sequence LIMIT ${VERIFY_PAGE}`, [chain, after])) as Row[];
      for (const row of rows) yield fromRow(row);
      if (rows.length < VERIFY_PAGE) return;
      after = Number((rows.at(-1) as Row).sequence);
    }
  }
}

function fromRow(r: Row): AuditRecord {
  return {
    chain: r.chain,
    sequence: Number(r.sequence),
    ...(r.tenant_id !== null ? { tenant: r.tenant_id } : {}),
    recordId: r.record_id,
    eventType: r.event_type,
    action: r.action,
    outcome: r.outcome as EventOutcomeIndicator,
    eventTime: new Date(r.event_time).toISOString(),
    userIds: r.user_ids,
    patientIds: r.patient_ids,
    studyInstanceUIDs: r.study_instance_uids,
    message: r.message,
    previousHash: r.previous_hash,
    hash: r.hash,
  };
}

function recordedEvent(record: AuditRecord, tenant: string, source: string): OutboxEntry {
  const { recordId, chain, sequence, previousHash, hash, eventType, action, outcome, eventTime, userIds, patientIds, studyInstanceUIDs, message } = record;
  return outboxEntry(
    AuditRecordedV1,
    { tenant, source, correlationId: recordId },
    { recordId, chain, sequence, previousHash, hash, eventType, action, outcome, eventTime, userIds: [...userIds], patientIds: [...patientIds], studyInstanceUIDs: [...studyInstanceUIDs], message },
    new Date(),
  );
}
