import { randomUUID } from 'node:crypto';
import type { AuditStore } from './audit-store.port';
import { GENESIS_HASH, SYSTEM_CHAIN, type AuditEntry } from './hash-chain';

/** What a contract run needs: the store, and ways to damage what it stored as an intruder would. */
export interface AuditStoreFixture {
  readonly store: AuditStore;
  /** Changes the message of a stored record, leaving its hashes. */
  alterMessage(chain: string, sequence: number, message: string): Promise<void>;
  /** Removes one stored record. */
  remove(chain: string, sequence: number): Promise<void>;
  close(): Promise<void>;
}

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  tenant: 'default',
  recordId: randomUUID(),
  eventType: '110103',
  action: 'R',
  outcome: 0,
  eventTime: '2026-11-22T10:00:00.000Z',
  userIds: ['alice'],
  patientIds: ['PAT-1'],
  studyInstanceUIDs: ['1.2.3'],
  message: '<AuditMessage/>',
  ...over,
});

/** The behaviour every AuditStore adapter must have (STYLE 10). */
export function describeAuditStoreContract(name: string, create: () => Promise<AuditStoreFixture>): void {
  describe(`AuditStore contract: ${name}`, () => {
    let f: AuditStoreFixture;
    beforeAll(async () => (f = await create()));
    afterAll(async () => f.close());

    it('links each record to the one before it in its tenant chain, and keeps chains apart', async () => {
      const a1 = await f.store.append(entry({ tenant: 'chain-a' }));
      const b1 = await f.store.append(entry({ tenant: 'chain-b' }));
      const a2 = await f.store.append(entry({ tenant: 'chain-a', message: '<AuditMessage>2</AuditMessage>' }));
      const s1 = await f.store.append(entry({ tenant: undefined }));
      expect([a1.chain, a1.sequence, a1.previousHash]).toEqual(['chain-a', 1, GENESIS_HASH]);
      expect([a2.chain, a2.sequence, a2.previousHash]).toEqual(['chain-a', 2, a1.hash]);
      expect([b1.chain, b1.sequence, b1.previousHash]).toEqual(['chain-b', 1, GENESIS_HASH]);
      expect([s1.chain, s1.sequence, s1.tenant]).toEqual([SYSTEM_CHAIN, 1, undefined]);
      expect(a2.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await f.store.verify('chain-a')).toEqual({ ok: true, chain: 'chain-a', length: 2, lastHash: a2.hash });
      expect(await f.store.verify(null)).toEqual({ ok: true, chain: SYSTEM_CHAIN, length: 1, lastHash: s1.hash });
    });

    it('returns what it stored, exactly, and an empty chain verifies', async () => {
      const e = entry({ tenant: 'exact', userIds: ['bob', 'STORESCU'], patientIds: [], studyInstanceUIDs: ['1.2.9', '1.2.10'], message: '<AuditMessage a="ü&amp;"/>', outcome: 8, action: 'E' });
      const stored = await f.store.append(e);
      expect(await f.store.search({ tenant: 'exact', limit: 10 })).toEqual([stored]);
      expect(stored).toMatchObject({ ...e });
      expect(await f.store.verify('nobody')).toEqual({ ok: true, chain: 'nobody', length: 0, lastHash: GENESIS_HASH });
    });

    it('finds records by tenant, time, event type, user, patient and study, newest first, a page at a time', async () => {
      const t = 'search';
      const at = (minute: number) => `2026-11-22T11:${String(minute).padStart(2, '0')}:00.000Z`;
      const r1 = await f.store.append(entry({ tenant: t, eventTime: at(1), eventType: '110112', userIds: ['carol'], patientIds: [], studyInstanceUIDs: [] }));
      const r2 = await f.store.append(entry({ tenant: t, eventTime: at(2), userIds: ['dave', 'PACS'], patientIds: ['P2'], studyInstanceUIDs: ['1.2.20', '1.2.21'] }));
      const r3 = await f.store.append(entry({ tenant: t, eventTime: at(3), userIds: ['carol'], patientIds: ['P3'], studyInstanceUIDs: ['1.2.21'] }));
      const r4 = await f.store.append(entry({ tenant: t, eventTime: at(3), userIds: ['erin'], patientIds: ['P3'], studyInstanceUIDs: [] }));
      const ids = (records: { recordId: string }[]) => records.map((r) => r.recordId);
      expect(ids(await f.store.search({ tenant: t, limit: 10 }))).toEqual(ids([r4, r3, r2, r1]));
      expect(ids(await f.store.search({ tenant: t, limit: 2, offset: 1 }))).toEqual(ids([r3, r2]));
      expect(ids(await f.store.search({ tenant: t, from: new Date(at(2)), to: new Date(at(3)), limit: 10 }))).toEqual(ids([r2]));
      expect(ids(await f.store.search({ tenant: t, eventType: '110112', limit: 10 }))).toEqual(ids([r1]));
      expect(ids(await f.store.search({ tenant: t, userId: 'carol', limit: 10 }))).toEqual(ids([r3, r1]));
      expect(ids(await f.store.search({ tenant: t, userId: 'PACS', limit: 10 }))).toEqual(ids([r2]));
      expect(ids(await f.store.search({ tenant: t, patientId: 'P3', limit: 10 }))).toEqual(ids([r4, r3]));
      expect(ids(await f.store.search({ tenant: t, studyInstanceUID: '1.2.21', limit: 10 }))).toEqual(ids([r3, r2]));
      expect(ids(await f.store.search({ tenant: t, userId: 'carol', studyInstanceUID: '1.2.21', limit: 10 }))).toEqual(ids([r3]));
      expect(await f.store.search({ tenant: 'other-tenant', userId: 'carol', limit: 10 })).toEqual([]);
      expect((await f.store.search({ tenant: null, limit: 10 })).every((r) => r.tenant === undefined)).toBe(true);
    });

    it('reports a record whose content was altered', async () => {
      for (let i = 0; i < 3; i++) await f.store.append(entry({ tenant: 'altered', message: `<AuditMessage>${i}</AuditMessage>` }));
      await f.alterMessage('altered', 2, '<AuditMessage>forged</AuditMessage>');
      expect(await f.store.verify('altered')).toEqual({ ok: false, chain: 'altered', sequence: 2, reason: 'hash-mismatch' });
    });

    it('reports a record removed from the middle of a chain, and one cut off its end', async () => {
      for (let i = 0; i < 3; i++) await f.store.append(entry({ tenant: 'removed' }));
      await f.remove('removed', 2);
      expect(await f.store.verify('removed')).toEqual({ ok: false, chain: 'removed', sequence: 2, reason: 'sequence-gap' });
      for (let i = 0; i < 3; i++) await f.store.append(entry({ tenant: 'cut' }));
      await f.remove('cut', 3);
      expect(await f.store.verify('cut')).toEqual({ ok: false, chain: 'cut', sequence: 3, reason: 'head-mismatch' });
    });

    it('never forks a chain under concurrent appends', async () => {
      const stored = await Promise.all(Array.from({ length: 40 }, (_, i) => f.store.append(entry({ tenant: i % 2 === 0 ? 'busy-a' : 'busy-b' }))));
      for (const chain of ['busy-a', 'busy-b']) {
        expect(stored.filter((r) => r.chain === chain).map((r) => r.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(await f.store.verify(chain)).toMatchObject({ ok: true, length: 20 });
      }
    });
  });
}
