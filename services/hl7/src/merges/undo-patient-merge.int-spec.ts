import { parseMessage } from '@tessera/hl7';
import { TypeormHl7Store } from '@tessera/hl7-store';
import { TypeormInstanceIndex } from '@tessera/index-store';
import { silentLogger } from '@tessera/telemetry';
import { createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { NEW_WORKLIST_IDS } from '@tessera/worklist';
import { createHash } from 'node:crypto';
import { MllpMessageHandler } from '../mllp/mllp-message-handler';
import { ReceiveMessageUseCase } from '../receive-message.use-case';
import { ListPatientMergesUseCase } from './list-patient-merges.use-case';
import { UndoPatientMergeUseCase } from './undo-patient-merge.use-case';

const PEER = { connection: 'c1', remoteAddress: '127.0.0.1:40000' };
const msh = (type: string, control: string) => `MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20261122101500||${type}|${control}|P|2.5.1`;
const uid = (n: number): string => `1.2.826.0.1.3680043.10.9.${n}`;

describe('Undoing a patient merge on PostgreSQL', () => {
  let t: TestDatabase;
  let handler: MllpMessageHandler;
  let undo: UndoPatientMergeUseCase;
  let list: ListPatientMergesUseCase;
  let relayed = 0;

  const send = async (type: string, control: string, ...segments: string[]): Promise<string> => {
    const ack = (await handler.message(Buffer.from([msh(type, control), ...segments].join('\r')), PEER)).acknowledgement;
    const parsed = ack && parseMessage(ack);
    if (!parsed?.ok) throw new Error('no readable acknowledgement');
    return parsed.message.segments[1]?.value(1) ?? '';
  };
  const index = async (n: number, patientID: string, name: string): Promise<void> => {
    const sop = `${uid(n)}.1.1`;
    await new TypeormInstanceIndex(t.db).index({
      tenant: 'default',
      studyInstanceUID: uid(n),
      seriesInstanceUID: `${uid(n)}.1`,
      sopInstanceUID: sop,
      sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
      transferSyntaxUID: '1.2.840.10008.1.2.1',
      objectKey: `default/${sop}`,
      sizeBytes: 1,
      datasetOffset: 0,
      datasetSha256: createHash('sha256').update(sop).digest('hex'),
      storedAt: new Date(),
      metadata: {
        '00100010': { vr: 'PN', Value: [{ Alphabetic: name }] },
        '00100020': { vr: 'LO', Value: [patientID] },
        '00080018': { vr: 'UI', Value: [sop] },
        '0020000D': { vr: 'UI', Value: [uid(n)] },
        '0020000E': { vr: 'UI', Value: [`${uid(n)}.1`] },
        '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
        '00080060': { vr: 'CS', Value: ['CT'] },
      },
    });
  };
  // What a study-level query matches on: the study row's patient.
  const studyPatients = async (): Promise<Record<string, string>> =>
    Object.fromEntries(((await t.db.dataSource.query("SELECT study_instance_uid, patient_id, patient_name FROM study WHERE tenant_id = 'default' ORDER BY 1")) as { study_instance_uid: string; patient_id: string; patient_name: string }[]).map((r) => [r.study_instance_uid, `${r.patient_id} ${r.patient_name}`]));
  const unmerged = async (): Promise<string[]> => ((await t.db.dataSource.query("SELECT patient_id FROM patient WHERE tenant_id = 'default' AND merged_into_fk IS NULL ORDER BY 1")) as { patient_id: string }[]).map((r) => r.patient_id);

  beforeAll(async () => {
    t = await createPostgresTestDatabase();
    const store = new TypeormHl7Store(t.db);
    const receive = new ReceiveMessageUseCase(store, () => undefined, { defaultTenant: 'default', receivingFacilities: {}, source: 'hl7@test', now: () => new Date(), ids: NEW_WORKLIST_IDS });
    handler = new MllpMessageHandler(receive, silentLogger, { now: () => new Date(), nextControlId: () => 'ACK1', maxMessageBytes: 1 << 20 });
    undo = new UndoPatientMergeUseCase(store, () => relayed++, { source: 'hl7@test', now: () => new Date('2026-11-22T12:00:00Z') });
    list = new ListPatientMergesUseCase(store);
  });
  afterAll(async () => t.drop());

  it('restores the prior patient with the studies the A40 moved, records patient.merge-undone.v1, and undoes a merge once', async () => {
    await index(1, 'KEEP-1', 'KEEPER^ANNA');
    await index(2, 'GONE-1', 'GONER^ANNA');
    await index(3, 'GONE-1', 'GONER^ANNA');
    expect(await send('ADT^A40^ADT_A39', 'MERGE-1', 'EVN|A40', 'PID|1||KEEP-1||KEEPER^ANNA', 'MRG|GONE-1')).toBe('AA');
    // An instance that arrives under the prior ID after the merge is indexed under the survivor: not the merge's.
    await index(4, 'GONE-1', 'GONER^ANNA');
    expect(await studyPatients()).toEqual({ [uid(1)]: 'KEEP-1 KEEPER^ANNA', [uid(2)]: 'KEEP-1 KEEPER^ANNA', [uid(3)]: 'KEEP-1 KEEPER^ANNA', [uid(4)]: 'KEEP-1 KEEPER^ANNA' });
    expect(await unmerged()).toEqual(['KEEP-1']);

    const [merge] = await list.execute('default');
    expect(merge).toMatchObject({ prior: { patientID: 'GONE-1', issuerOfPatientID: '' }, survivor: { patientID: 'KEEP-1', issuerOfPatientID: '' }, movedStudyInstanceUIDs: [uid(2), uid(3)] });
    const mergeId = merge?.mergeId as string;

    const result = await undo.execute({ tenant: 'default', mergeId, caller: 'admin-subject', correlationId: 'req-1' });
    expect(result).toMatchObject({ kind: 'undone', prior: { patientID: 'GONE-1' }, survivor: { patientID: 'KEEP-1' }, restoredStudyInstanceUIDs: [uid(2), uid(3)], restoredAccessionNumbers: [] });
    expect(relayed).toBe(1);
    expect(await studyPatients()).toEqual({ [uid(1)]: 'KEEP-1 KEEPER^ANNA', [uid(2)]: 'GONE-1 GONER^ANNA', [uid(3)]: 'GONE-1 GONER^ANNA', [uid(4)]: 'KEEP-1 KEEPER^ANNA' });
    expect(await unmerged()).toEqual(['GONE-1', 'KEEP-1']);
    const [event] = (await t.db.dataSource.query("SELECT topic, message_key AS key, envelope FROM outbox_event WHERE envelope->>'type' = 'patient.merge-undone.v1'")) as { topic: string; key: string; envelope: { data: unknown; correlationId: string } }[];
    expect(event).toMatchObject({
      topic: 'tessera.patients',
      key: 'default//KEEP-1',
      envelope: {
        correlationId: 'req-1',
        data: { mergeId, prior: { patientID: 'GONE-1', issuerOfPatientID: '' }, survivor: { patientID: 'KEEP-1', issuerOfPatientID: '' }, demographics: { patientName: 'GONER^ANNA' }, restoredStudyInstanceUIDs: [uid(2), uid(3)], restoredAccessionNumbers: [], undoneBy: 'admin-subject' },
      },
    });

    expect(await undo.execute({ tenant: 'default', mergeId, caller: 'admin-subject', correlationId: 'req-2' })).toEqual({ kind: 'already-undone', undoneAt: new Date('2026-11-22T12:00:00Z') });
    expect(await undo.execute({ tenant: 'default', mergeId: '999999', caller: 'admin-subject', correlationId: 'req-3' })).toEqual({ kind: 'not-found' });
    expect(await undo.execute({ tenant: 'other', mergeId, caller: 'admin-subject', correlationId: 'req-4' })).toEqual({ kind: 'not-found' });
    expect((await list.execute('default'))[0]?.undoneAt).toEqual(new Date('2026-11-22T12:00:00Z'));
    expect(relayed).toBe(1);
  });

  it('undoes merges newest first: a merge whose survivor was merged on since waits for that one', async () => {
    await index(5, 'CHAIN-A', 'CHAIN^A');
    await index(6, 'CHAIN-B', 'CHAIN^B');
    await index(7, 'CHAIN-C', 'CHAIN^C');
    expect(await send('ADT^A40^ADT_A39', 'MERGE-AB', 'EVN|A40', 'PID|1||CHAIN-B||CHAIN^B', 'MRG|CHAIN-A')).toBe('AA');
    expect(await send('ADT^A40^ADT_A39', 'MERGE-BC', 'EVN|A40', 'PID|1||CHAIN-C||CHAIN^C', 'MRG|CHAIN-B')).toBe('AA');
    const [bc, ab] = await list.execute('default');
    expect([ab?.prior.patientID, bc?.prior.patientID]).toEqual(['CHAIN-A', 'CHAIN-B']);

    expect(await undo.execute({ tenant: 'default', mergeId: ab?.mergeId as string, caller: 'a', correlationId: 'c' })).toEqual({ kind: 'conflict', reason: 'patient CHAIN-B was merged into CHAIN-C since: undo that merge first' });
    expect(await undo.execute({ tenant: 'default', mergeId: bc?.mergeId as string, caller: 'a', correlationId: 'c' })).toMatchObject({ kind: 'undone', restoredStudyInstanceUIDs: [uid(5), uid(6)] });
    // CHAIN-A followed CHAIN-B into CHAIN-C; it is CHAIN-B's again, and so is its study.
    expect(((await t.db.dataSource.query("SELECT m.patient_id FROM patient p JOIN patient m ON m.id = p.merged_into_fk WHERE p.patient_id = 'CHAIN-A'")) as { patient_id: string }[])[0]?.patient_id).toBe('CHAIN-B');
    expect(await undo.execute({ tenant: 'default', mergeId: ab?.mergeId as string, caller: 'a', correlationId: 'c' })).toMatchObject({ kind: 'undone', restoredStudyInstanceUIDs: [uid(5)] });
    const patients = await studyPatients();
    expect([patients[uid(5)], patients[uid(6)], patients[uid(7)]]).toEqual(['CHAIN-A CHAIN^A', 'CHAIN-B CHAIN^B', 'CHAIN-C CHAIN^C']);
  });
});
