import { MemoryHl7Store } from '@tessera/hl7-store';
import { UndoPatientMergeUseCase } from './undo-patient-merge.use-case';

const survivor = { patientID: 'KEEP', issuerOfPatientID: 'HOSP' };
const prior = { patientID: 'GONE', issuerOfPatientID: 'HOSP' };
const later = { patientID: 'LATER', issuerOfPatientID: 'HOSP' };
const pn = (name: string) => ({ '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: name }] } });

describe('UndoPatientMergeUseCase', () => {
  const at = new Date('2026-11-22T12:00:00Z');
  const setUp = () => {
    const store = new MemoryHl7Store();
    store.addStudy('default', '1.2.3.1', survivor, pn('Keeper^Anna'));
    store.addStudy('default', '1.2.3.2', prior, pn('Goner^Anna'));
    store.addStudy('default', '1.2.3.3', later, pn('Later^Anna'));
    let relayed = 0;
    const undo = new UndoPatientMergeUseCase(store, () => relayed++, { source: 'hl7@test', now: () => at });
    return { store, undo, relayed: () => relayed };
  };
  const command = (mergeId: string) => ({ tenant: 'default', mergeId, caller: 'admin', correlationId: 'c' });

  it('restores the prior patient with its study and records the event, in one transaction, once', async () => {
    const { store, undo, relayed } = setUp();
    const { mergeId } = await store.transaction((tx) => tx.mergePatient('default', prior, survivor));
    const result = await undo.execute(command(mergeId));
    expect(result).toEqual({ kind: 'undone', prior, survivor, priorAttributes: pn('Goner^Anna'), survivorAttributes: pn('Keeper^Anna'), restoredStudyInstanceUIDs: ['1.2.3.2'], restoredAccessionNumbers: [], undoneAt: at });
    expect(store.study('default', '1.2.3.2')).toEqual(pn('Goner^Anna'));
    expect(store.state.events.map((e) => [e.envelope.type, e.key, (e.envelope.data as { undoneBy: string }).undoneBy])).toEqual([['patient.merge-undone.v1', 'default/HOSP/KEEP', 'admin']]);
    expect(relayed()).toBe(1);
    expect(await undo.execute(command(mergeId))).toEqual({ kind: 'already-undone', undoneAt: at });
    expect(await undo.execute({ ...command(mergeId), tenant: 'other' })).toEqual({ kind: 'not-found' });
    expect(relayed()).toBe(1);
  });

  it('refuses to undo a merge whose survivor was merged on since, and changes nothing', async () => {
    const { store, undo } = setUp();
    const first = await store.transaction((tx) => tx.mergePatient('default', prior, survivor));
    await store.transaction((tx) => tx.mergePatient('default', survivor, later));
    expect(await undo.execute(command(first.mergeId))).toEqual({ kind: 'conflict', reason: 'patient KEEP (HOSP) was merged into LATER (HOSP) since: undo that merge first' });
    expect(store.state.events).toEqual([]);
    expect((await store.transaction((tx) => tx.findPatient('default', prior)))?.mergedInto).toEqual(later);
  });
});
