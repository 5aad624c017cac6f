import { AuditTrail, MemoryAuditStore } from '@tessera/audit';
import { MemoryBlobStore } from '@tessera/blob-store';
import { PatientErasedV1 } from '@tessera/contracts';
import { MemoryPatientErasure } from '@tessera/erasure';
import { silentLogger } from '@tessera/telemetry';
import { Readable } from 'node:stream';
import { ErasePatientUseCase } from './erase-patient.use-case';
import { FinishErasureUseCase } from './finish-erasure.use-case';
import { ResumeErasuresUseCase } from './resume-erasures.use-case';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const P1 = { patientID: 'P1', issuerOfPatientID: 'HOSP-A' };
const ADMIN = { userId: 'admin-sub', userName: 'admin', isRequestor: true };
const REASON = 'GDPR Art. 17 request #4711';
const AT = new Date('2026-11-22T12:00:00Z');

async function setUp() {
  const store = new MemoryPatientErasure();
  const blobs = new MemoryBlobStore();
  const audit = new MemoryAuditStore();
  const trail = new AuditTrail(audit, undefined, { source: { auditSourceId: 'tessera@test' } });
  const keys = ['default/1.2.3.1/1.2.3.1.1/1.2.3.1.1.1/v1.dcm', 'default/1.2.3.1/1.2.3.1.1/1.2.3.1.1.2/v1.dcm'];
  for (const key of [...keys, 'default/9.9/9.9.1/9.9.1.1/v1.dcm']) await blobs.put(key, Readable.from([Buffer.from('DICM')]));
  store.addRecords('default', P1, [{ studyInstanceUID: '1.2.3.1', accessionNumber: 'A1', sopClasses: [{ sopClassUID: CT, numberOfInstances: 2 }] }], keys);
  const finish = new FinishErasureUseCase(store, blobs, trail, () => AT);
  let notified = 0;
  const erase = new ErasePatientUseCase(store, finish, () => notified++, silentLogger, { source: 'index@test' }, () => AT);
  return { store, blobs, audit, trail, erase, keys, notified: () => notified };
}

const command = { tenant: 'default', patient: P1, reason: REASON, requestedBy: ADMIN, correlationId: 'c-1' };

async function allKeys(blobs: MemoryBlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of blobs.list('')) keys.push(key);
  return keys.sort();
}

describe('ErasePatientUseCase', () => {
  it('erases the records, announces patient.erased.v1, audits the patient and each study with the reason, then deletes the objects', async () => {
    const s = await setUp();

    const result = await s.erase.execute(command);

    expect(result).toMatchObject({ kind: 'erased', studyInstanceUIDs: ['1.2.3.1'], objects: 2, finished: true });
    expect(s.store.hasRecords('default', P1)).toBe(false);
    expect(await allKeys(s.blobs)).toEqual(['default/9.9/9.9.1/9.9.1.1/v1.dcm']);
    expect(s.notified()).toBe(1);
    const [event] = s.store.events;
    expect(event).toMatchObject({ topic: PatientErasedV1.topic, key: 'default/HOSP-A/P1', envelope: { type: 'patient.erased.v1', tenant: 'default', correlationId: 'c-1' } });
    expect(event?.envelope.data).toEqual({ patient: P1, erasureId: result.kind === 'erased' ? result.erasureId : '', studyInstanceUIDs: ['1.2.3.1'] });

    const records = (await s.audit.search({ tenant: 'default', limit: 10 })).sort((a, b) => a.sequence - b.sequence);
    expect(records.map((r) => [r.eventType, r.action, r.patientIds, r.studyInstanceUIDs, r.userIds])).toEqual([
      ['110110', 'D', ['P1'], [], ['admin-sub']],
      ['110105', 'D', ['P1'], ['1.2.3.1'], ['admin-sub']],
    ]);
    const reason = `<ParticipantObjectDetail type="Reason" value="${Buffer.from(REASON).toString('base64')}"/>`;
    for (const r of records) expect(r.message).toContain(reason);
    expect(s.store.isFinished(result.kind === 'erased' ? result.erasureId : '')).toBe(true);
  });

  it('refuses a patient on legal hold with the hold and deletes nothing', async () => {
    const s = await setUp();
    const hold = { patient: P1, reason: 'litigation 2026-17', setBy: 'admin-sub', setAt: AT };
    await s.store.setHold('default', hold);

    expect(await s.erase.execute(command)).toEqual({ kind: 'held', hold });
    expect(s.store.hasRecords('default', P1)).toBe(true);
    expect(await allKeys(s.blobs)).toHaveLength(3);
    expect(s.store.events).toEqual([]);
    expect(await s.audit.search({ limit: 10 })).toEqual([]);
  });

  it('answers not-found for a patient it has nothing of, and invalid without a reason or with a Patient ID that is not LO', async () => {
    const s = await setUp();
    expect(await s.erase.execute({ ...command, patient: { patientID: 'P2', issuerOfPatientID: 'HOSP-A' } })).toEqual({ kind: 'not-found' });
    expect(await s.erase.execute({ ...command, reason: '  ' })).toMatchObject({ kind: 'invalid', message: expect.stringContaining('reason') });
    expect(await s.erase.execute({ ...command, patient: { patientID: 'P\\1', issuerOfPatientID: '' } })).toMatchObject({ kind: 'invalid' });
    expect(await s.erase.execute({ ...command, patient: { patientID: 'x'.repeat(65), issuerOfPatientID: '' } })).toMatchObject({ kind: 'invalid' });
    expect(s.store.hasRecords('default', P1)).toBe(true);
  });

  it('leaves an erasure whose objects could not be deleted to the sweep, which finishes it without auditing it twice', async () => {
    const s = await setUp();
    const failing = Object.create(s.blobs) as MemoryBlobStore;
    failing.deleteMany = () => Promise.reject(new Error('object store down'));
    const finishFailing = new FinishErasureUseCase(s.store, failing, s.trail, () => AT);
    const erase = new ErasePatientUseCase(s.store, finishFailing, () => undefined, silentLogger, { source: 'index@test' }, () => AT);

    const result = await erase.execute(command);

    expect(result).toMatchObject({ kind: 'erased', finished: false });
    expect(s.store.hasRecords('default', P1)).toBe(false);
    expect(await allKeys(s.blobs)).toHaveLength(3);
    const resume = new ResumeErasuresUseCase(s.store, new FinishErasureUseCase(s.store, s.blobs, s.trail, () => AT), silentLogger);
    // A job just made is left to its request for a minute.
    expect(await resume.execute(AT)).toBe(0);
    expect(await resume.execute(new Date(AT.getTime() + 61_000))).toBe(1);
    expect(await allKeys(s.blobs)).toEqual(['default/9.9/9.9.1/9.9.1.1/v1.dcm']);
    expect(await s.audit.search({ limit: 10 })).toHaveLength(2);
    expect(await resume.execute(new Date(AT.getTime() + 120_000))).toBe(0);
  });
});
