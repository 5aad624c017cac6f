import { openDatabase, type Database } from '@tessera/database';
import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import { describeAuditStoreContract } from './audit-store.contract';
import { TypeormAuditStore } from './typeorm-audit-store.adapter';

const TENANTS = ['default', 'chain-a', 'chain-b', 'exact', 'search', 'other-tenant', 'altered', 'removed', 'cut', 'busy-a', 'busy-b'];

// What an intruder with the table owner's rights does: switch the append-only trigger off, rewrite, switch it on.
async function asIntruder(db: Database, sql: string, params: unknown[]): Promise<void> {
  await db.transaction(async (m) => {
    await m.query('ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only');
    await m.query(sql, params);
    await m.query('ALTER TABLE audit_record ENABLE TRIGGER audit_record_append_only');
  });
}

const adapter = (t: TestDatabase) => ({
  store: new TypeormAuditStore(t.db),
  alterMessage: (chain: string, sequence: number, message: string) => asIntruder(t.db, 'UPDATE audit_record SET message = $3 WHERE chain = $1 AND sequence = $2', [chain, sequence, message]),
  remove: (chain: string, sequence: number) => asIntruder(t.db, 'DELETE FROM audit_record WHERE chain = $1 AND sequence = $2', [chain, sequence]),
  close: () => t.drop(),
});

describeAuditStoreContract('PostgreSQL', async () => adapter(await createPostgresTestDatabase(TENANTS)));
describeAuditStoreContract('PGlite', async () => adapter(await createPgliteTestDatabase(TENANTS)));

describe('TypeormAuditStore on PostgreSQL', () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createPostgresTestDatabase(['default'])));
  afterAll(async () => t.drop());

  const entry = (writer: string, i: number) => ({
    tenant: 'default',
    recordId: randomUUID(),
    eventType: '110103',
    action: 'R' as const,
    outcome: 0 as const,
    eventTime: new Date(Date.UTC(2026, 10, 22, 12, 0, i)).toISOString(),
    userIds: [writer],
    patientIds: [],
    studyInstanceUIDs: [],
    message: `<AuditMessage>${writer} ${i}</AuditMessage>`,
  });

  it('keeps one chain when two processes, each with its own connection pool, append at once', async () => {
    // Two DataSources are two independent clients of the server, as two Tessera replicas would be.
    const second = await openDatabase({ kind: 'postgres', url: t.url }, { entities: [], applicationName: 'tessera-test-second-writer', poolSize: 8 });
    try {
      const writers = [new TypeormAuditStore(t.db), new TypeormAuditStore(second)];
      const perWriter = 60;
      const stored = await Promise.all(writers.flatMap((store, w) => Array.from({ length: perWriter }, (_, i) => store.append(entry(`writer-${w}`, i)))));
      expect(new Set(stored.map((r) => r.sequence)).size).toBe(2 * perWriter);
      // Both writers' appends interleave in the one chain: neither waited for the other to finish.
      const order = (await t.db.dataSource.query(`SELECT user_ids[1] AS w FROM audit_record WHERE chain = 'default' ORDER BY sequence`)) as { w: string }[];
      const switches = order.filter((row, i) => i > 0 && row.w !== order[i - 1]?.w).length;
      expect(switches).toBeGreaterThan(1);
      expect(await writers[1]?.verify('default')).toMatchObject({ ok: true, length: 2 * perWriter });
    } finally {
      await second.close();
    }
  });

  it('publishes a tenant\'s record as audit.recorded.v1 through the outbox, in the same transaction', async () => {
    const store = new TypeormAuditStore(t.db, { source: 'audit@test' });
    const record = await store.append({ ...entry('publisher', 0), recordId: randomUUID() });
    const rows = (await t.db.dataSource.query(`SELECT topic, envelope FROM outbox_event WHERE envelope::text LIKE $1`, [`%${record.recordId}%`])) as { topic: string; envelope: { type: string; tenant: string } }[];
    expect(rows.map((r) => [r.topic, r.envelope.type, r.envelope.tenant])).toEqual([['tessera.audit', 'audit.recorded.v1', 'default']]);
    expect(JSON.stringify(rows[0]?.envelope)).toContain(record.hash);
    // The system chain (no tenant) is not published.
    const ofNoTenant: Omit<ReturnType<typeof entry>, 'tenant'> & { tenant?: string } = entry('publisher', 1);
    delete ofNoTenant.tenant;
    const system = await store.append(ofNoTenant);
    expect(await t.db.dataSource.query(`SELECT 1 FROM outbox_event WHERE envelope::text LIKE $1`, [`%${system.recordId}%`])).toEqual([]);
  });

  it('refuses to change or remove a stored record', async () => {
    const record = await new TypeormAuditStore(t.db).append(entry('someone', 0));
    await expect(t.db.dataSource.query('UPDATE audit_record SET message = $2 WHERE record_id = $1', [record.recordId, 'x'])).rejects.toThrow(/append-only/);
    await expect(t.db.dataSource.query('DELETE FROM audit_record WHERE record_id = $1', [record.recordId])).rejects.toThrow(/append-only/);
  });
});
