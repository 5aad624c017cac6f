import { InstancesPurgedV1 } from '@tessera/contracts';
import { outboxEntry, type OutboxEntry } from '@tessera/outbox';
import { randomUUID } from 'node:crypto';
import type { DeletionRequest, DeletionScope, InstanceDeletionStore } from './instance-deletion.port';
import type { PatientIdentity } from './patient-erasure.port';

/** What a contract run needs of an adapter: the store, a way to give a patient instances, to set a hold and to look for what is left. */
export interface InstanceDeletionFixture {
  readonly store: InstanceDeletionStore;
  /** Stores and indexes CT instances `sops` in series `series` of the patient's study, with Accession Number "ACC-{study}", at the keys `deletionKeyOf` makes. */
  seed(tenant: string, patient: PatientIdentity, study: string, series: string, sops: readonly string[]): Promise<void>;
  /** Stores an instance that is not indexed (yet). */
  seedUnindexed(tenant: string, study: string, series: string, sop: string): Promise<void>;
  /** Indexes an instance whose object the catalog does not have (an instance.stored event consumed after its deletion). */
  indexUncataloged(tenant: string, patient: PatientIdentity, study: string, series: string, sop: string): Promise<void>;
  setHold(tenant: string, patient: PatientIdentity, reason: string): Promise<void>;
  /** The SOP Instance UIDs of the study that the index or the catalog still has, sorted. */
  remaining(tenant: string, study: string): Promise<string[]>;
  /** How many events the store appended to the outbox. */
  eventCount(): Promise<number>;
  close(): Promise<void>;
}

export const DELETION_CT = '1.2.840.10008.5.1.4.1.1.2';

/** The object key the fixtures store an instance at. */
export function deletionKeyOf(tenant: string, study: string, series: string, sop: string): string {
  return `${tenant}/${study}/${series}/${sop}/v1.dcm`;
}

const ADMIN = { userId: 'admin-sub', userName: 'admin', isRequestor: true };
const P1: PatientIdentity = { patientID: 'P1', issuerOfPatientID: 'HOSP-A' };
const AT = new Date('2026-11-22T12:00:00Z');
const DAY = 86_400_000;

function purged(tenant: string, study: string): OutboxEntry {
  return outboxEntry(InstancesPurgedV1, { tenant, source: 'contract', correlationId: randomUUID() }, { deletionId: randomUUID(), studyInstanceUID: study, objects: 1 }, AT);
}

function request(tenant: string, scope: DeletionScope, purgeAfter = new Date(AT.getTime() + DAY)): DeletionRequest {
  return { id: randomUUID(), tenant, scope, requestedBy: ADMIN, at: AT, purgeAfter };
}

/** The behaviour every InstanceDeletionStore adapter must have (STYLE 10). */
export function describeInstanceDeletionContract(name: string, create: () => Promise<InstanceDeletionFixture>): void {
  describe(`InstanceDeletionStore contract: ${name}`, () => {
    let f: InstanceDeletionFixture;

    beforeEach(async () => {
      f = await create();
      await f.seed('t1', P1, '1.2.3', '1.2.3.1', ['1.2.3.1.1', '1.2.3.1.2']);
      await f.seed('t1', P1, '1.2.3', '1.2.3.2', ['1.2.3.2.1']);
    });
    afterEach(async () => f.close());

    it('deletes one instance, then a series, then the study, each with its object keys and one event', async () => {
      const one = await f.store.deleteInstances(request('t1', { study: '1.2.3', series: '1.2.3.1', instance: '1.2.3.1.2' }), () => []);
      expect(one).toMatchObject({ kind: 'deleted', deletion: { studyDeleted: false, series: [{ seriesInstanceUID: '1.2.3.1', sopInstanceUIDs: ['1.2.3.1.2'] }], objectKeys: [deletionKeyOf('t1', '1.2.3', '1.2.3.1', '1.2.3.1.2')] } });
      expect(await f.remaining('t1', '1.2.3')).toEqual(['1.2.3.1.1', '1.2.3.2.1']);

      const series = await f.store.deleteInstances(request('t1', { study: '1.2.3', series: '1.2.3.2' }), () => []);
      expect(series).toMatchObject({ kind: 'deleted', deletion: { studyDeleted: false, patient: P1, series: [{ seriesInstanceUID: '1.2.3.2', sopInstanceUIDs: ['1.2.3.2.1'] }] } });
      expect(await f.remaining('t1', '1.2.3')).toEqual(['1.2.3.1.1']);

      const study = await f.store.deleteInstances(request('t1', { study: '1.2.3' }), (d) => [purged('t1', d.scope.study)]);
      expect(study).toMatchObject({
        kind: 'deleted',
        deletion: { studyDeleted: true, study: { studyInstanceUID: '1.2.3', accessionNumber: 'ACC-1.2.3', sopClasses: [{ sopClassUID: DELETION_CT, numberOfInstances: 1 }] } },
      });
      expect(await f.remaining('t1', '1.2.3')).toEqual([]);
      expect(await f.eventCount()).toBe(1);
    });

    it('finds nothing to delete in another tenant, another series or a study that is gone, and changes nothing', async () => {
      expect(await f.store.deleteInstances(request('t2', { study: '1.2.3' }), () => [])).toEqual({ kind: 'not-found' });
      expect(await f.store.deleteInstances(request('t1', { study: '1.2.3', series: '1.2.3.2', instance: '1.2.3.1.1' }), () => [])).toEqual({ kind: 'not-found' });
      expect(await f.store.deleteInstances(request('t1', { study: '9.9' }), () => [])).toEqual({ kind: 'not-found' });
      expect(await f.remaining('t1', '1.2.3')).toEqual(['1.2.3.1.1', '1.2.3.1.2', '1.2.3.2.1']);
    });

    it("refuses while the study's patient is on legal hold", async () => {
      await f.setHold('t1', P1, 'litigation 2026-17');
      expect(await f.store.deleteInstances(request('t1', { study: '1.2.3' }), () => [])).toMatchObject({ kind: 'held', hold: { reason: 'litigation 2026-17' } });
      expect(await f.remaining('t1', '1.2.3')).toHaveLength(3);
      expect(await f.eventCount()).toBe(0);
    });

    it('deletes instances stored but not indexed yet with the rest', async () => {
      await f.seedUnindexed('t1', '1.2.3', '1.2.3.3', '1.2.3.3.1');
      const outcome = await f.store.deleteInstances(request('t1', { study: '1.2.3', series: '1.2.3.3' }), () => []);
      expect(outcome).toMatchObject({ kind: 'deleted', deletion: { objectKeys: [deletionKeyOf('t1', '1.2.3', '1.2.3.3', '1.2.3.3.1')] } });
      expect(await f.remaining('t1', '1.2.3')).toHaveLength(3);
    });

    it('deletes nothing of a study stored but not indexed yet: its patient, and so a legal hold, is not known', async () => {
      await f.seedUnindexed('t1', '7.7.7', '7.7.7.1', '7.7.7.1.1');
      expect(await f.store.deleteInstances(request('t1', { study: '7.7.7' }), () => [])).toEqual({ kind: 'patient-unknown' });
      expect(await f.store.deleteInstances(request('t1', { study: '7.7.7', series: '7.7.7.1', instance: '7.7.7.1.1' }), () => [])).toEqual({ kind: 'patient-unknown' });
      expect(await f.store.deleteInstances(request('t1', { study: '7.7.7', series: '7.7.7.9' }), () => [])).toEqual({ kind: 'not-found' });
      expect(await f.remaining('t1', '7.7.7')).toEqual(['7.7.7.1.1']);
      expect(await f.eventCount()).toBe(0);
      expect(await f.store.unaudited(10)).toEqual([]);
    });

    it('forgets index rows that came back after the deletion, and keeps those whose object is in the catalog', async () => {
      await f.store.deleteInstances(request('t1', { study: '1.2.3', series: '1.2.3.2' }), () => []);
      await f.indexUncataloged('t1', P1, '1.2.3', '1.2.3.2', '1.2.3.2.1');
      expect(await f.remaining('t1', '1.2.3')).toContain('1.2.3.2.1');

      expect(await f.store.forgetUncataloged('t1', '1.2.3', ['1.2.3.2.1', '1.2.3.1.1'])).toBe(1);
      expect(await f.remaining('t1', '1.2.3')).toEqual(['1.2.3.1.1', '1.2.3.1.2']);
      expect(await f.store.forgetUncataloged('t1', '1.2.3', ['1.2.3.2.1'])).toBe(0);
    });

    it('keeps what the audit record of a deletion says until it is marked audited', async () => {
      const series = await f.store.deleteInstances({ ...request('t1', { study: '1.2.3', series: '1.2.3.1' }), at: new Date(AT.getTime() - 1) }, () => []);
      const study = await f.store.deleteInstances(request('t1', { study: '1.2.3' }), () => []);
      if (series.kind !== 'deleted' || study.kind !== 'deleted') throw new Error('not deleted');
      expect(await f.store.unaudited(10)).toEqual([
        {
          id: series.deletion.id,
          tenant: 't1',
          scope: { study: '1.2.3', series: '1.2.3.1' },
          patient: P1,
          study: { studyInstanceUID: '1.2.3', accessionNumber: 'ACC-1.2.3', sopClasses: [{ sopClassUID: DELETION_CT, numberOfInstances: 2 }] },
          requestedBy: ADMIN,
          requestedAt: new Date(AT.getTime() - 1),
        },
        expect.objectContaining({ id: study.deletion.id, scope: { study: '1.2.3' }, study: expect.objectContaining({ studyInstanceUID: '1.2.3' }) }),
      ]);
      expect(await f.store.unaudited(1)).toHaveLength(1);
      await f.store.markAudited(series.deletion.id, AT);
      await f.store.markAudited(series.deletion.id, AT);
      expect((await f.store.unaudited(10)).map((d) => d.id)).toEqual([study.deletion.id]);
    });

    it('lists a deletion for purging once its time has come, and marks it purged once', async () => {
      const outcome = await f.store.deleteInstances(request('t1', { study: '1.2.3', series: '1.2.3.2' }), () => []);
      if (outcome.kind !== 'deleted') throw new Error(outcome.kind);
      expect(await f.store.duePurges(new Date(AT.getTime() + DAY - 1), 10)).toEqual([]);
      const due = await f.store.duePurges(new Date(AT.getTime() + DAY), 10);
      expect(due).toEqual([{ id: outcome.deletion.id, tenant: 't1', studyInstanceUID: '1.2.3', objectKeys: [deletionKeyOf('t1', '1.2.3', '1.2.3.2', '1.2.3.2.1')] }]);
      await f.store.markPurged(outcome.deletion.id, new Date(AT.getTime() + DAY), [purged('t1', '1.2.3')]);
      await f.store.markPurged(outcome.deletion.id, new Date(AT.getTime() + DAY), [purged('t1', '1.2.3')]);
      expect(await f.store.duePurges(new Date(AT.getTime() + 2 * DAY), 10)).toEqual([]);
      expect(await f.eventCount()).toBe(1);
    });
  });
}
