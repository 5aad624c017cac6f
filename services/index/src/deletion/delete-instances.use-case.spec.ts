import { AuditTrail, MemoryAuditStore } from '@tessera/audit';
import { MemoryBlobStore } from '@tessera/blob-store';
import { InstancesDeletedV1, InstancesPurgedV1 } from '@tessera/contracts';
import { MemoryInstanceDeletion, MemoryPatientErasure } from '@tessera/erasure';
import { silentLogger } from '@tessera/telemetry';
import { Readable } from 'node:stream';
import { AuditDeletionsUseCase } from './audit-deletions.use-case';
import { DeleteInstancesUseCase } from './delete-instances.use-case';
import { PurgeDeletionsUseCase } from './purge-deletions.use-case';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const P1 = { patientID: 'P1', issuerOfPatientID: 'HOSP-A' };
const ADMIN = { userId: 'admin-sub', userName: 'admin', isRequestor: true };
const AT = new Date('2026-11-22T12:00:00Z');
const DAY = 86_400_000;
const keyOf = (series: string, sop: string) => `default/1.2.3/${series}/${sop}/v1.dcm`;

async function setUp(purgeAfterMs: number) {
  const holds = new MemoryPatientErasure();
  const store = new MemoryInstanceDeletion(holds);
  const blobs = new MemoryBlobStore();
  const audit = new MemoryAuditStore();
  const trail = new AuditTrail(audit, undefined, { source: { auditSourceId: 'tessera@test' } });
  for (const [series, sop] of [
    ['1.2.3.1', '1.2.3.1.1'],
    ['1.2.3.1', '1.2.3.1.2'],
    ['1.2.3.2', '1.2.3.2.1'],
  ] as const) {
    store.addInstance({ tenant: 'default', patient: P1, studyInstanceUID: '1.2.3', seriesInstanceUID: series, sopInstanceUID: sop, sopClassUID: CT, objectKey: keyOf(series, sop), accessionNumber: 'A1' });
    await blobs.put(keyOf(series, sop), Readable.from([Buffer.from('DICM')]));
  }
  let now = AT;
  let notified = 0;
  const purge = new PurgeDeletionsUseCase(store, blobs, () => notified++, silentLogger, { source: 'index@test' });
  const audits = new AuditDeletionsUseCase(store, trail, silentLogger, () => now);
  const remove = new DeleteInstancesUseCase(store, audits, purge, () => notified++, silentLogger, { source: 'index@test', purgeAfterMs }, () => now);
  return { holds, store, blobs, audit, trail, audits, purge, remove, notified: () => notified, later: (ms: number) => (now = new Date(AT.getTime() + ms)) };
}

async function allKeys(blobs: MemoryBlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of blobs.list('')) keys.push(key);
  return keys.sort();
}

const command = (scope: { study: string; series?: string; instance?: string }) => ({ tenant: 'default', scope, requestedBy: ADMIN, correlationId: 'c-1' });

describe('DeleteInstancesUseCase', () => {
  it('deletes a series, announces instances.deleted.v1, audits it as instances deleted, and keeps the objects until the purge', async () => {
    const s = await setUp(DAY);

    const result = await s.remove.execute(command({ study: '1.2.3', series: '1.2.3.1' }));

    expect(result).toMatchObject({ kind: 'deleted', deletion: { studyDeleted: false, objectKeys: [keyOf('1.2.3.1', '1.2.3.1.1'), keyOf('1.2.3.1', '1.2.3.1.2')] } });
    expect(s.store.remaining('default', '1.2.3')).toEqual(['1.2.3.2.1']);
    const [event] = s.store.events;
    expect(event).toMatchObject({ topic: InstancesDeletedV1.topic, key: 'default/1.2.3', envelope: { type: 'instances.deleted.v1', correlationId: 'c-1' } });
    expect(event?.envelope.data).toMatchObject({
      studyInstanceUID: '1.2.3',
      scope: 'series',
      series: [{ seriesInstanceUID: '1.2.3.1', sopInstanceUIDs: ['1.2.3.1.1', '1.2.3.1.2'] }],
      studyDeleted: false,
      purgeAfter: new Date(AT.getTime() + DAY).toISOString(),
    });
    const records = await s.audit.search({ tenant: 'default', limit: 10 });
    expect(records.map((r) => [r.eventType, r.action, r.patientIds, r.studyInstanceUIDs, r.userIds])).toEqual([['110103', 'D', ['P1'], ['1.2.3'], ['admin-sub']]]);
    expect(await allKeys(s.blobs)).toHaveLength(3);

    // Not yet: the objects wait DELETION_PURGE_AFTER_S.
    expect(await s.purge.execute(new Date(AT.getTime() + DAY - 1))).toBe(0);
    expect(await s.purge.execute(new Date(AT.getTime() + DAY))).toBe(1);
    expect(await allKeys(s.blobs)).toEqual([keyOf('1.2.3.2', '1.2.3.2.1')]);
    expect(s.store.events.map((e) => e.envelope.type)).toEqual(['instances.deleted.v1', 'instances.purged.v1']);
    expect(s.store.events[1]?.envelope.data).toEqual({ deletionId: result.kind === 'deleted' ? result.deletion.id : '', studyInstanceUID: '1.2.3', objects: 2 });
    // Idempotent: a second sweep finds nothing left to purge.
    expect(await s.purge.execute(new Date(AT.getTime() + 2 * DAY))).toBe(0);
  });

  it('deletes a whole study as a DICOM Study Deleted, and purges at once when the delay is 0', async () => {
    const s = await setUp(0);

    const result = await s.remove.execute(command({ study: '1.2.3' }));

    expect(result).toMatchObject({ kind: 'deleted', deletion: { studyDeleted: true } });
    expect(await allKeys(s.blobs)).toEqual([]);
    expect(s.store.events.map((e) => [e.envelope.type, e.topic])).toEqual([
      ['instances.deleted.v1', InstancesDeletedV1.topic],
      ['instances.purged.v1', InstancesPurgedV1.topic],
    ]);
    const records = await s.audit.search({ tenant: 'default', limit: 10 });
    expect(records.map((r) => [r.eventType, r.action, r.studyInstanceUIDs])).toEqual([['110105', 'D', ['1.2.3']]]);
  });

  it('refuses under a legal hold and answers not-found for nothing, changing nothing either way', async () => {
    const s = await setUp(0);
    await s.holds.setHold('default', { patient: P1, reason: 'litigation 2026-17', setBy: 'admin-sub', setAt: AT });

    expect(await s.remove.execute(command({ study: '1.2.3' }))).toMatchObject({ kind: 'held', hold: { reason: 'litigation 2026-17' } });
    expect(await s.remove.execute(command({ study: '9.9' }))).toEqual({ kind: 'not-found' });
    expect(s.store.remaining('default', '1.2.3')).toHaveLength(3);
    expect(await allKeys(s.blobs)).toHaveLength(3);
    expect(s.store.events).toEqual([]);
    expect(await s.audit.search({ tenant: 'default', limit: 10 })).toEqual([]);
  });

  it('leaves a purge that failed for the next sweep', async () => {
    const s = await setUp(0);
    const failing = jest.spyOn(s.blobs, 'deleteMany').mockRejectedValueOnce(new Error('S3 down'));

    await s.remove.execute(command({ study: '1.2.3', series: '1.2.3.2' }));
    expect(await allKeys(s.blobs)).toHaveLength(3);
    failing.mockRestore();

    expect(await s.purge.execute(new Date(AT.getTime() + 1))).toBe(1);
    expect(await allKeys(s.blobs)).toHaveLength(2);
  });

  it('writes the audit record the trail could not take when the deletion committed at the next sweep, once, dated at the deletion', async () => {
    const s = await setUp(DAY);
    const failing = jest.spyOn(s.trail, 'record').mockRejectedValueOnce(new Error('audit store down'));

    const result = await s.remove.execute(command({ study: '1.2.3' }));
    expect(result).toMatchObject({ kind: 'deleted' });
    expect(await s.audit.search({ tenant: 'default', limit: 10 })).toEqual([]);
    failing.mockRestore();

    s.later(60_000);
    expect(await s.audits.retry()).toBe(1);
    const records = await s.audit.search({ tenant: 'default', limit: 10 });
    expect(records.map((r) => [r.eventType, r.action, r.patientIds, r.studyInstanceUIDs, r.userIds, r.eventTime])).toEqual([
      ['110105', 'D', ['P1'], ['1.2.3'], ['admin-sub'], AT.toISOString()],
    ]);
    expect(await s.audits.retry()).toBe(0);
    expect(await s.audit.search({ tenant: 'default', limit: 10 })).toHaveLength(1);
  });
});
