import type { DicomJsonDataset, DicomJsonElement, VR } from '@tessera/dicom';
import type { OutboxEntry } from '@tessera/outbox';
import type { WorklistItem } from '@tessera/worklist';
import type { Hl7Store, ImagingOrder, MessageKey, PatientIdentity } from './hl7-store.port';

/** An adapter under test, with what the index would hold. */
export interface Hl7StoreHarness {
  readonly store: Hl7Store;
  /** Indexes a study of a patient (an instance stored with these patient and study attributes). */
  seedStudy(tenant: string, studyInstanceUID: string, patient: PatientIdentity, attributes: DicomJsonDataset): Promise<void>;
  /** The study's attributes as a study-level query would return them. */
  studyAttributes(tenant: string, studyInstanceUID: string): Promise<DicomJsonDataset | undefined>;
  /** A worklist item's attributes as the worklist would answer them. */
  worklistAttributes(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string): Promise<DicomJsonDataset | undefined>;
  close(): Promise<void>;
}

const pn = (name: string): DicomJsonElement => ({ vr: 'PN', Value: [{ Alphabetic: name }] });
const text = (vr: VR, value: string): DicomJsonElement => ({ vr, Value: [value] });
const patientAttributes = (id: PatientIdentity, name: string, extra: DicomJsonDataset = {}): DicomJsonDataset => ({
  '00100010': pn(name),
  '00100020': text('LO', id.patientID),
  ...(id.issuerOfPatientID ? { '00100021': text('LO', id.issuerOfPatientID) } : {}),
  ...extra,
});
const messageKey = (tenant: string, controlId: string): MessageKey => ({ tenant, sendingApplication: 'RIS', sendingFacility: 'HOSP', controlId });
const event = (n: number): OutboxEntry => ({
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  topic: 'tessera.hl7',
  key: 'default/RIS',
  envelope: { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'hl7.message.received.v1', tenant: 'default', occurredAt: new Date().toISOString(), source: 'test', correlationId: 'c', data: {} },
  headers: {},
});

/** The contract every Hl7Store adapter meets (STYLE 10). Tenants used: "default", "other". */
export function describeHl7StoreContract(name: string, open: () => Promise<Hl7StoreHarness>): void {
  describe(`Hl7Store contract: ${name}`, () => {
    let h: Hl7StoreHarness;
    beforeAll(async () => (h = await open()));
    afterAll(async () => h.close());

    it('finds a message recorded in a committed transaction, per tenant, and only then', async () => {
      const key = messageKey('default', 'M-1');
      expect(await h.store.transaction((tx) => tx.claimMessage(key))).toBeUndefined();
      await h.store.transaction(async (tx) => {
        expect(await tx.claimMessage(key)).toBeUndefined();
        await tx.recordMessage({ key, messageType: 'ADT^A08', contentSha256: 'a'.repeat(64), effect: { patient: 'P' } });
      });
      expect(await h.store.transaction((tx) => tx.claimMessage(key))).toEqual({ key, messageType: 'ADT^A08', contentSha256: 'a'.repeat(64), effect: { patient: 'P' } });
      expect(await h.store.transaction((tx) => tx.claimMessage(messageKey('other', 'M-1')))).toBeUndefined();
      expect(await h.store.transaction((tx) => tx.claimMessage({ ...key, sendingFacility: 'ELSEWHERE' }))).toBeUndefined();
    });

    it('changes nothing when the work throws: no record, no patient, no order', async () => {
      const key = messageKey('default', 'M-FAIL');
      const id = { patientID: 'FAIL-1', issuerOfPatientID: 'HOSP' };
      await expect(
        h.store.transaction(async (tx) => {
          await tx.savePatient('default', id, patientAttributes(id, 'Fail^Once'));
          await tx.recordMessage({ key, messageType: 'ADT^A08', contentSha256: 'b'.repeat(64), effect: {} });
          await tx.appendEvents([event(1)]);
          throw new Error('disk full');
        }),
      ).rejects.toThrow('disk full');
      expect(await h.store.transaction((tx) => tx.claimMessage(key))).toBeUndefined();
      expect(await h.store.transaction((tx) => tx.findPatient('default', id))).toBeUndefined();
    });

    it('keeps the same Patient ID under two issuers as two patients, and carries demographics to their studies', async () => {
      const a = { patientID: 'SAME-1', issuerOfPatientID: 'HOSP-A' };
      const b = { patientID: 'SAME-1', issuerOfPatientID: 'HOSP-B' };
      await h.seedStudy('default', '1.2.826.0.1.3680043.10.1.1', a, { ...patientAttributes(a, 'Old^Name'), '00080020': text('DA', '20240101'), '00101010': text('AS', '042Y') });
      await h.seedStudy('default', '1.2.826.0.1.3680043.10.1.2', b, patientAttributes(b, 'Other^Person'));
      await h.store.transaction((tx) => tx.savePatient('default', a, patientAttributes(a, 'New^Name', { '00100040': text('CS', 'F') })));
      const found = await h.store.transaction((tx) => tx.findPatient('default', a));
      expect(found).toEqual({ identity: a, attributes: patientAttributes(a, 'New^Name', { '00100040': text('CS', 'F') }), studyInstanceUIDs: ['1.2.826.0.1.3680043.10.1.1'] });
      const study = await h.studyAttributes('default', '1.2.826.0.1.3680043.10.1.1');
      // The study's own attributes stay (Patient's Age is a study attribute, PS3.4 C.6.1.1.3).
      expect(study).toMatchObject({ '00100010': pn('New^Name'), '00100040': text('CS', 'F'), '00080020': text('DA', '20240101'), '00101010': text('AS', '042Y') });
      expect((await h.studyAttributes('default', '1.2.826.0.1.3680043.10.1.2'))?.['00100010']).toEqual(pn('Other^Person'));
      expect((await h.store.transaction((tx) => tx.findPatient('default', b)))?.attributes['00100010']).toEqual(pn('Other^Person'));
    });

    it('drops a patient attribute that the new attributes leave out', async () => {
      const id = { patientID: 'DROP-1', issuerOfPatientID: '' };
      await h.seedStudy('default', '1.2.826.0.1.3680043.10.2.1', id, patientAttributes(id, 'Drop^Me', { '00100030': text('DA', '19800101') }));
      await h.store.transaction((tx) => tx.savePatient('default', id, patientAttributes(id, 'Drop^Me')));
      expect(await h.studyAttributes('default', '1.2.826.0.1.3680043.10.2.1')).not.toHaveProperty('00100030');
    });

    it('merges: the prior patient’s studies move to the survivor and carry its demographics; patients merged into the prior follow', async () => {
      const survivor = { patientID: 'SURV-1', issuerOfPatientID: 'HOSP' };
      const prior = { patientID: 'PRIOR-1', issuerOfPatientID: 'HOSP' };
      const older = { patientID: 'OLDER-1', issuerOfPatientID: 'HOSP' };
      await h.seedStudy('default', '1.2.826.0.1.3680043.10.3.1', survivor, patientAttributes(survivor, 'Surviving^Name'));
      await h.seedStudy('default', '1.2.826.0.1.3680043.10.3.2', prior, patientAttributes(prior, 'Prior^Name'));
      await h.seedStudy('default', '1.2.826.0.1.3680043.10.3.3', prior, patientAttributes(prior, 'Prior^Name'));
      await h.seedStudy('default', '1.2.826.0.1.3680043.10.3.4', older, patientAttributes(older, 'Older^Name'));
      await h.store.transaction((tx) => tx.mergePatient('default', older, prior));
      const merge = await h.store.transaction((tx) => tx.mergePatient('default', prior, survivor));
      expect(merge.movedStudyInstanceUIDs).toEqual(['1.2.826.0.1.3680043.10.3.2', '1.2.826.0.1.3680043.10.3.3', '1.2.826.0.1.3680043.10.3.4']);
      expect(merge.mergeId).toMatch(/^\d+$/);
      const after = await h.store.transaction(async (tx) => [await tx.findPatient('default', survivor), await tx.findPatient('default', prior), await tx.findPatient('default', older)]);
      expect(after[0]?.studyInstanceUIDs).toEqual(['1.2.826.0.1.3680043.10.3.1', '1.2.826.0.1.3680043.10.3.2', '1.2.826.0.1.3680043.10.3.3', '1.2.826.0.1.3680043.10.3.4']);
      expect(after[1]).toMatchObject({ studyInstanceUIDs: [], mergedInto: survivor });
      expect(after[2]).toMatchObject({ studyInstanceUIDs: [], mergedInto: survivor });
      expect(await h.studyAttributes('default', '1.2.826.0.1.3680043.10.3.3')).toMatchObject({ '00100010': pn('Surviving^Name'), '00100020': text('LO', 'SURV-1') });
    });

    it('undoes a merge: the prior patient, exactly the studies and orders the merge moved, and the patients that had followed it, come back', async () => {
      const survivor = { patientID: 'UNDO-SURV', issuerOfPatientID: 'HOSP' };
      const prior = { patientID: 'UNDO-PRIOR', issuerOfPatientID: '' };
      const older = { patientID: 'UNDO-OLDER', issuerOfPatientID: 'HOSP' };
      const uid = (n: number): string => `1.2.826.0.1.3680043.10.8.${n}`;
      await h.seedStudy('default', uid(1), survivor, patientAttributes(survivor, 'Surviving^Undo'));
      await h.seedStudy('default', uid(2), prior, patientAttributes(prior, 'Prior^Undo', { '00100040': text('CS', 'F') }));
      await h.seedStudy('default', uid(3), older, patientAttributes(older, 'Older^Undo'));
      const order: ImagingOrder = { tenant: 'default', accessionNumber: 'UNDO-ACC', studyInstanceUID: uid(9), scheduledProcedureStepID: 'SPS-1', status: 'SCHEDULED', patient: prior };
      const step = { '00080060': text('CS', 'CT'), '00400001': text('AE', 'CT1'), '00400002': text('DA', '20261122'), '00400003': text('TM', '1000'), '00400009': text('SH', 'SPS-1'), '00400020': text('CS', 'SCHEDULED') };
      const item: DicomJsonDataset = {
        ...patientAttributes(prior, 'Prior^Undo', { '00100040': text('CS', 'F') }),
        '00080050': text('SH', 'UNDO-ACC'),
        '0020000D': text('UI', uid(9)),
        '00400100': { vr: 'SQ', Value: [step] },
        '00401001': text('SH', 'RP-1'),
      };
      await h.store.transaction((tx) => tx.saveOrder(order, { tenant: 'default', studyInstanceUID: uid(9), scheduledProcedureStepID: 'SPS-1', attributes: item }));
      await h.store.transaction((tx) => tx.mergePatient('default', older, prior));
      const merge = await h.store.transaction((tx) => tx.mergePatient('default', prior, survivor));
      // A study that arrives for the survivor after the merge is not the merge's to give back.
      await h.seedStudy('default', uid(4), survivor, patientAttributes(survivor, 'Surviving^Undo'));

      const [record] = await h.store.transaction((tx) => tx.listMerges('default'));
      expect(record).toMatchObject({ mergeId: merge.mergeId, prior, survivor, movedStudyInstanceUIDs: [uid(2), uid(3)], movedAccessionNumbers: ['UNDO-ACC'] });
      expect(record?.undoneAt).toBeUndefined();
      expect(await h.store.transaction((tx) => tx.findMerge('other', merge.mergeId))).toBeUndefined();
      expect(await h.store.transaction((tx) => tx.findMerge('default', 'not-a-number'))).toBeUndefined();

      const at = new Date('2026-11-22T12:00:00Z');
      const undone = await h.store.transaction((tx) => tx.undoMerge('default', merge.mergeId, at));
      expect(undone).toEqual({ restoredStudyInstanceUIDs: [uid(2), uid(3)], restoredAccessionNumbers: ['UNDO-ACC'], priorAttributes: patientAttributes(prior, 'Prior^Undo', { '00100040': text('CS', 'F') }) });
      const after = await h.store.transaction(async (tx) => [await tx.findPatient('default', survivor), await tx.findPatient('default', prior), await tx.findPatient('default', older)]);
      expect(after[0]?.studyInstanceUIDs).toEqual([uid(1), uid(4)]);
      expect(after[1]?.studyInstanceUIDs).toEqual([uid(2), uid(3)]);
      expect(after[1]?.mergedInto).toBeUndefined();
      expect(after[2]?.mergedInto).toEqual(prior);
      expect(await h.studyAttributes('default', uid(2))).toMatchObject({ '00100010': pn('Prior^Undo'), '00100020': text('LO', 'UNDO-PRIOR'), '00100040': text('CS', 'F') });
      expect((await h.store.transaction((tx) => tx.findOrder('default', 'UNDO-ACC')))?.patient).toEqual(prior);
      expect(await h.worklistAttributes('default', uid(9), 'SPS-1')).toMatchObject({ '00100010': pn('Prior^Undo'), '00100020': text('LO', 'UNDO-PRIOR') });
      expect((await h.store.transaction((tx) => tx.findMerge('default', merge.mergeId)))?.undoneAt).toEqual(at);
      await expect(h.store.transaction((tx) => tx.undoMerge('default', merge.mergeId, at))).rejects.toThrow();
    });

    it('changes a patient’s identifier and carries it to its studies', async () => {
      const from = { patientID: 'TEMP-1', issuerOfPatientID: 'HOSP' };
      const to = { patientID: 'MRN-1', issuerOfPatientID: 'HOSP' };
      await h.seedStudy('default', '1.2.826.0.1.3680043.10.4.1', from, patientAttributes(from, 'Changing^Id'));
      await h.store.transaction((tx) => tx.changePatientIdentity('default', from, to, patientAttributes(to, 'Changing^Id')));
      const [before, now] = await h.store.transaction(async (tx) => [await tx.findPatient('default', from), await tx.findPatient('default', to)]);
      expect(before).toBeUndefined();
      expect(now?.studyInstanceUIDs).toEqual(['1.2.826.0.1.3680043.10.4.1']);
      expect((await h.studyAttributes('default', '1.2.826.0.1.3680043.10.4.1'))?.['00100020']).toEqual(text('LO', 'MRN-1'));
    });

    it('gives the open worklist items and the orders of a patient its new demographics, its survivor or its new identifier; finished ones keep theirs', async () => {
      const patient = { patientID: 'WL-1', issuerOfPatientID: 'HOSP' };
      const survivor = { patientID: 'WL-SURV', issuerOfPatientID: 'HOSP' };
      const sameIdElsewhere = { patientID: 'WL-1', issuerOfPatientID: 'ELSEWHERE' };
      const place = async (who: PatientIdentity, accession: string, status: 'SCHEDULED' | 'COMPLETED'): Promise<ImagingOrder> => {
        const order: ImagingOrder = { tenant: 'default', accessionNumber: accession, studyInstanceUID: `1.2.826.0.1.3680043.10.6.${accession.length}${accession.charCodeAt(accession.length - 1)}`, scheduledProcedureStepID: 'SPS-1', status, patient: who };
        const step = { '00080060': text('CS', 'CT'), '00400001': text('AE', 'CT1'), '00400002': text('DA', '20261122'), '00400003': text('TM', '1000'), '00400009': text('SH', 'SPS-1'), '00400020': text('CS', status) };
        const item: DicomJsonDataset = { ...patientAttributes(who, 'Before^Adt'), '00080050': text('SH', accession), '0020000D': text('UI', order.studyInstanceUID), '00400100': { vr: 'SQ', Value: [step] }, '00401001': text('SH', 'RP-1') };
        await h.store.transaction((tx) => tx.saveOrder(order, { tenant: 'default', studyInstanceUID: order.studyInstanceUID, scheduledProcedureStepID: 'SPS-1', attributes: item }));
        return order;
      };
      const open = await place(patient, 'WL-A', 'SCHEDULED');
      const done = await place(patient, 'WL-B', 'COMPLETED');
      const other = await place(sameIdElsewhere, 'WL-C', 'SCHEDULED');
      const item = async (o: ImagingOrder): Promise<DicomJsonDataset | undefined> => h.worklistAttributes('default', o.studyInstanceUID, 'SPS-1');

      await h.store.transaction((tx) => tx.savePatient('default', patient, patientAttributes(patient, 'After^Adt', { '00100040': text('CS', 'F') })));
      expect(await item(open)).toMatchObject({ '00100010': pn('After^Adt'), '00100040': text('CS', 'F'), '00080050': text('SH', 'WL-A') });
      expect((await item(done))?.['00100010']).toEqual(pn('Before^Adt'));
      expect((await item(other))?.['00100010']).toEqual(pn('Before^Adt'));

      await h.store.transaction((tx) => tx.savePatient('default', survivor, patientAttributes(survivor, 'Surviving^Wl')));
      await h.store.transaction((tx) => tx.mergePatient('default', patient, survivor));
      expect(await item(open)).toMatchObject({ '00100010': pn('Surviving^Wl'), '00100020': text('LO', 'WL-SURV') });
      expect(await item(open)).not.toHaveProperty('00100040');
      expect((await h.store.transaction((tx) => tx.findOrder('default', 'WL-A')))?.patient).toEqual(survivor);
      expect((await h.store.transaction((tx) => tx.findOrder('default', 'WL-C')))?.patient).toEqual(sameIdElsewhere);

      const renamed = { patientID: 'WL-NEW', issuerOfPatientID: 'HOSP' };
      await h.store.transaction((tx) => tx.changePatientIdentity('default', survivor, renamed, patientAttributes(renamed, 'Surviving^Wl')));
      expect((await item(open))?.['00100020']).toEqual(text('LO', 'WL-NEW'));
      expect((await h.store.transaction((tx) => tx.findOrder('default', 'WL-A')))?.patient).toEqual(renamed);
    });

    it('keeps an order per accession number with its worklist item', async () => {
      const order: ImagingOrder = {
        tenant: 'default',
        accessionNumber: 'ACC-1',
        placerOrderNumber: 'PLACER-1',
        studyInstanceUID: '1.2.826.0.1.3680043.10.5.1',
        scheduledProcedureStepID: 'SPS-1',
        status: 'SCHEDULED',
        patient: { patientID: 'ORD-1', issuerOfPatientID: 'HOSP' },
      };
      const item: WorklistItem = {
        tenant: 'default',
        studyInstanceUID: order.studyInstanceUID,
        scheduledProcedureStepID: 'SPS-1',
        attributes: {
          '00080050': text('SH', 'ACC-1'),
          '00100010': pn('Ordered^Patient'),
          '00100020': text('LO', 'ORD-1'),
          '0020000D': text('UI', order.studyInstanceUID),
          '00321060': text('LO', 'CT chest'),
          '00400100': { vr: 'SQ', Value: [{ '00080060': text('CS', 'CT'), '00400001': text('AE', 'CT1'), '00400002': text('DA', '20261122'), '00400003': text('TM', '1000'), '00400007': text('LO', 'CT chest'), '00400009': text('SH', 'SPS-1'), '00400020': text('CS', 'SCHEDULED') }] },
          '00401001': text('SH', 'RP-1'),
        },
      };
      expect(await h.store.transaction((tx) => tx.findOrder('default', 'ACC-1'))).toBeUndefined();
      await h.store.transaction((tx) => tx.saveOrder(order, item));
      expect(await h.store.transaction((tx) => tx.findOrder('default', 'ACC-1'))).toEqual(order);
      const cancelled = { ...order, status: 'CANCELED' as const };
      const changed = await h.store.transaction((tx) => tx.setOrderStatus(cancelled));
      expect(changed?.attributes['00400100']?.Value?.[0]).toMatchObject({ '00400020': text('CS', 'CANCELED'), '00400009': text('SH', 'SPS-1') });
      expect(await h.store.transaction((tx) => tx.findOrder('default', 'ACC-1'))).toEqual(cancelled);
      expect(await h.store.transaction((tx) => tx.setOrderStatus({ ...order, accessionNumber: 'ACC-1', scheduledProcedureStepID: 'SPS-NONE' }))).toBeUndefined();
      expect(await h.store.transaction((tx) => tx.findOrder('other', 'ACC-1'))).toBeUndefined();
    });
  });
}
