import { randomUUID } from 'node:crypto';
import type { ErasureRequest, PatientErasureStore, PatientIdentity } from './patient-erasure.port';

/** What a contract run needs of an adapter: the store, and a way to give a patient a study and to look for it. */
export interface PatientErasureFixture {
  readonly store: PatientErasureStore;
  /** Gives the patient a study of `sopInstanceUIDs` CT instances with Accession Number "ACC-{study}", stored at the keys `keyOf` makes. */
  seed(tenant: string, patient: PatientIdentity, studyInstanceUID: string, sopInstanceUIDs: readonly string[]): Promise<void>;
  /** Whether anything of the patient is left. */
  remains(tenant: string, patient: PatientIdentity): Promise<boolean>;
  /** How many events the store appended to the outbox. */
  eventCount(): Promise<number>;
  close(): Promise<void>;
}

export const CT = '1.2.840.10008.5.1.4.1.1.2';

/** The object key the fixtures store an instance at. */
export function keyOf(tenant: string, study: string, sop: string): string {
  return `${tenant}/${study}/${study}.1/${sop}/v1.dcm`;
}

const ADMIN = { userId: 'admin-sub', userName: 'admin', isRequestor: true };
const P1: PatientIdentity = { patientID: 'P1', issuerOfPatientID: 'HOSP-A' };

function request(tenant: string, patient: PatientIdentity, at = new Date('2026-11-22T12:00:00Z')): ErasureRequest {
  return { id: randomUUID(), tenant, patient, reason: 'GDPR Art. 17 request #4711', requestedBy: ADMIN, at };
}

/** The behaviour every PatientErasureStore adapter must have (STYLE 10). */
export function describePatientErasureContract(name: string, create: () => Promise<PatientErasureFixture>): void {
  describe(`PatientErasureStore contract: ${name}`, () => {
    let f: PatientErasureFixture;

    beforeEach(async () => {
      f = await create();
    });
    afterEach(async () => f.close());

    it("deletes everything of the patient, and nothing of another patient with the same ID under another issuer or in another tenant", async () => {
      await f.seed('default', P1, '1.2.3.1', ['1.2.3.1.1.1', '1.2.3.1.1.2']);
      await f.seed('default', P1, '1.2.3.2', ['1.2.3.2.1.1']);
      await f.seed('default', { patientID: 'P1', issuerOfPatientID: 'HOSP-B' }, '1.2.3.3', ['1.2.3.3.1.1']);
      await f.seed('other', P1, '1.2.3.1', ['1.2.3.1.1.1']);
      const before = await f.eventCount();

      const outcome = await f.store.eraseRecords(request('default', P1), (job) => [
        { eventId: randomUUID(), topic: 'tessera.patients', key: `default/HOSP-A/P1`, envelope: { id: job.id } as never, headers: {} },
      ]);

      expect(outcome.kind).toBe('erased');
      if (outcome.kind !== 'erased') return;
      expect(outcome.job).toMatchObject({ tenant: 'default', patient: P1, reason: 'GDPR Art. 17 request #4711', requestedBy: ADMIN, audited: false });
      expect(outcome.job.studies).toEqual([
        { studyInstanceUID: '1.2.3.1', accessionNumber: 'ACC-1.2.3.1', sopClasses: [{ sopClassUID: CT, numberOfInstances: 2 }] },
        { studyInstanceUID: '1.2.3.2', accessionNumber: 'ACC-1.2.3.2', sopClasses: [{ sopClassUID: CT, numberOfInstances: 1 }] },
      ]);
      expect(outcome.job.objectKeys).toEqual([keyOf('default', '1.2.3.1', '1.2.3.1.1.1'), keyOf('default', '1.2.3.1', '1.2.3.1.1.2'), keyOf('default', '1.2.3.2', '1.2.3.2.1.1')]);
      expect(await f.remains('default', P1)).toBe(false);
      expect(await f.remains('default', { patientID: 'P1', issuerOfPatientID: 'HOSP-B' })).toBe(true);
      expect(await f.remains('other', P1)).toBe(true);
      expect(await f.eventCount()).toBe(before + 1);
    });

    it('answers not-found, and appends no event, for a patient it has nothing of', async () => {
      const before = await f.eventCount();
      expect(await f.store.eraseRecords(request('default', P1), () => [])).toEqual({ kind: 'not-found' });
      expect(await f.eventCount()).toBe(before);
    });

    it('refuses to erase a patient on legal hold, with the hold, until the hold is cleared', async () => {
      await f.seed('default', P1, '1.2.3.1', ['1.2.3.1.1.1']);
      const hold = { patient: P1, reason: 'litigation 2026-17', setBy: 'admin-sub', setAt: new Date('2026-11-01T00:00:00Z') };
      await f.store.setHold('default', { ...hold, reason: 'first reason' });
      await f.store.setHold('default', hold);
      expect(await f.store.holdOf('default', P1)).toEqual(hold);
      expect(await f.store.holdOf('default', { patientID: 'P1', issuerOfPatientID: '' })).toBeUndefined();

      expect(await f.store.eraseRecords(request('default', P1), () => [])).toEqual({ kind: 'held', hold });
      expect(await f.remains('default', P1)).toBe(true);

      expect(await f.store.clearHold('default', P1)).toEqual(hold);
      expect(await f.store.clearHold('default', P1)).toBeUndefined();
      expect((await f.store.eraseRecords(request('default', P1), () => [])).kind).toBe('erased');
    });

    it('keeps a job until it is finished, and says whether it was audited', async () => {
      await f.seed('default', P1, '1.2.3.1', ['1.2.3.1.1.1']);
      const at = new Date('2026-11-22T12:00:00Z');
      const outcome = await f.store.eraseRecords(request('default', P1, at), () => []);
      if (outcome.kind !== 'erased') throw new Error(outcome.kind);
      const { id } = outcome.job;

      expect(await f.store.unfinished(at, 10)).toEqual([]);
      const [job] = await f.store.unfinished(new Date(at.getTime() + 1), 10);
      expect(job).toEqual(outcome.job);
      await f.store.markAudited(id);
      expect((await f.store.unfinished(new Date(at.getTime() + 1), 10))[0]?.audited).toBe(true);
      await f.store.markFinished(id, new Date(at.getTime() + 5));
      expect(await f.store.unfinished(new Date(at.getTime() + 1), 10)).toEqual([]);
    });
  });
}
