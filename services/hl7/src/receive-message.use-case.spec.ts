import { parseMessage, type Hl7Message } from '@tessera/hl7';
import { MemoryHl7Store } from '@tessera/hl7-store';
import { scheduledStepOf } from '@tessera/worklist';
import { Hl7Failure } from './hl7-failure';
import { ReceiveMessageUseCase } from './receive-message.use-case';

const parse = (text: string): Hl7Message => {
  const result = parseMessage(Buffer.from(text));
  if (!result.ok) throw new Error(result.error.message);
  return result.message;
};
const msh = (fields: { type?: string; control?: string; processing?: string; version?: string; facility?: string } = {}): string =>
  `MSH|^~\\&|RIS|HOSP|TESSERA|${fields.facility ?? 'RAD'}|20260101||${fields.type ?? 'ADT^A01^ADT_A01'}|${fields.control ?? 'C1'}|${fields.processing ?? 'P'}|${fields.version ?? '2.5.1'}`;
const message = (header: string, ...segments: string[]): Hl7Message => parse([header, ...(segments.length > 0 ? segments : ['PID|1||P1'])].join('\r'));
const IDS = { studyInstanceUID: () => '1.2.826.0.1.3680043.10.99.1', scheduledProcedureStepID: () => 'SPS-NEW' };

function setup(receivingFacilities: Record<string, string> = {}) {
  const store = new MemoryHl7Store();
  let notified = 0;
  const receive = new ReceiveMessageUseCase(store, () => void notified++, { defaultTenant: 'default', receivingFacilities, source: 'hl7@test', now: () => new Date('2026-11-22T10:00:00Z'), ids: IDS });
  const types = () => store.state.events.map((e) => e.envelope.type);
  return { store, receive, types, notified: () => notified };
}

const ADT_A08 = (control: string, pid: string) => message(msh({ type: 'ADT^A08^ADT_A01', control }), 'EVN|A08', pid);
const NAME = '00100010';

describe('ReceiveMessageUseCase: header checks', () => {
  const { receive } = setup();
  it('refuses an empty MSH-9, MSH-10, MSH-11 or MSH-12 first, naming the field', async () => {
    expect(await receive.execute(message(msh({ type: '' })), 'c')).toMatchObject({ failure: Hl7Failure.RequiredFieldMissing, location: { segment: 'MSH', sequence: 1, field: 9 }, message: 'MSH-9 (message type) is empty; it is required' });
    expect(await receive.execute(message(msh({ control: '', version: '2.7' })), 'c')).toMatchObject({ failure: Hl7Failure.RequiredFieldMissing, location: { field: 10 } });
    expect(await receive.execute(message(msh({ processing: '' })), 'c')).toMatchObject({ failure: Hl7Failure.RequiredFieldMissing, location: { field: 11 } });
    expect(await receive.execute(message(msh({ version: '' })), 'c')).toMatchObject({ failure: Hl7Failure.RequiredFieldMissing, location: { field: 12 } });
  });

  it('refuses versions other than 2.3 to 2.5.1, and processing IDs other than P', async () => {
    for (const version of ['2.2', '2.6', '3.0']) expect(await receive.execute(message(msh({ version })), 'c')).toMatchObject({ failure: Hl7Failure.UnsupportedVersion, location: { field: 12 } });
    for (const processing of ['T', 'D']) expect(await receive.execute(message(msh({ processing })), 'c')).toMatchObject({ failure: Hl7Failure.UnsupportedProcessingId, location: { field: 11 } });
  });

  it('finds the tenant from the receiving facility (MSH-6) when facilities are configured, and refuses others', async () => {
    const network = setup({ NORTH: 'north' });
    expect(await network.receive.execute(message(msh({ facility: 'NORTH^1.2.3^ISO', type: 'ORU^R01' })), 'c')).toMatchObject({ failure: Hl7Failure.UnsupportedMessageType, tenant: 'north' });
    expect(await network.receive.execute(message(msh({ facility: 'WEST' })), 'c')).toEqual({ outcome: 'refused', failure: Hl7Failure.UnknownReceivingFacility, location: { segment: 'MSH', sequence: 1, field: 6 }, message: 'receiving facility WEST is not served by this receiver' });
  });

  it('refuses a type it does not process, with an hl7.message.received event and nothing else', async () => {
    const { receive, store, types } = setup();
    expect(await receive.execute(message(msh({ type: 'ORU^R01', control: 'X9' })), 'c')).toMatchObject({ failure: Hl7Failure.UnsupportedMessageType, location: { field: 9 }, tenant: 'default' });
    expect(types()).toEqual(['hl7.message.received.v1']);
    expect(store.state.events[0]?.envelope.data).toMatchObject({ messageType: 'ORU^R01', controlId: 'X9', outcome: 'refused', errorCondition: 'unsupported-message-type' });
    expect(store.state.messages.size).toBe(0);
  });
});

describe('ReceiveMessageUseCase: ADT', () => {
  it('creates and updates a patient (A01, A08), recording the message once and announcing it', async () => {
    const { receive, store, types, notified } = setup();
    expect(await receive.execute(message(msh({ control: 'A1' }), 'EVN|A01', 'PID|1||PAT-1^^^HOSP||EVERYMAN^ADAM||19610615|M'), 'c')).toEqual({ outcome: 'accepted', tenant: 'default', duplicate: false });
    expect(await receive.execute(ADT_A08('A2', 'PID|1||PAT-1^^^HOSP||EVERYMAN^ADAM^Q|||F'), 'c')).toMatchObject({ outcome: 'accepted', duplicate: false });
    const patient = [...store.state.patients.values()][0];
    expect(patient?.attributes).toEqual({
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'EVERYMAN^ADAM^Q' }] },
      '00100020': { vr: 'LO', Value: ['PAT-1'] },
      '00100021': { vr: 'LO', Value: ['HOSP'] },
      '00100030': { vr: 'DA', Value: ['19610615'] },
      '00100040': { vr: 'CS', Value: ['F'] },
    });
    expect(types()).toEqual(['patient.updated.v1', 'hl7.message.received.v1', 'patient.updated.v1', 'hl7.message.received.v1']);
    expect(store.state.events[2]?.envelope.data).toMatchObject({ patient: { patientID: 'PAT-1', issuerOfPatientID: 'HOSP' }, created: false, demographics: { patientName: 'EVERYMAN^ADAM^Q', patientSex: 'F' }, message: { messageType: 'ADT^A08', controlId: 'A2' } });
    expect(store.state.events[2]?.key).toBe('default/HOSP/PAT-1');
    expect(notified()).toBe(2);
  });

  it('accepts a resent message again and changes nothing; refuses other content under a used control ID', async () => {
    const { receive, store, types } = setup();
    await receive.execute(ADT_A08('R1', 'PID|1||PAT-2||FIRST^NAME'), 'c');
    const before = structuredClone(store.state.patients);
    expect(await receive.execute(ADT_A08('R1', 'PID|1||PAT-2||FIRST^NAME'), 'c')).toEqual({ outcome: 'accepted', tenant: 'default', duplicate: true });
    expect(store.state.patients).toEqual(before);
    expect(await receive.execute(ADT_A08('R1', 'PID|1||PAT-2||OTHER^NAME'), 'c')).toMatchObject({ outcome: 'refused', failure: Hl7Failure.ControlIdReused, location: { field: 10 } });
    expect(store.state.patients).toEqual(before);
    expect(store.state.events.filter((e) => e.envelope.type === 'hl7.message.received.v1').map((e) => (e.envelope.data as { outcome: string }).outcome)).toEqual(['applied', 'duplicate', 'refused']);
    expect(types().filter((t) => t === 'patient.updated.v1')).toHaveLength(1);
  });

  it('keeps the same Patient ID of two issuers apart', async () => {
    const { receive, store } = setup();
    await receive.execute(ADT_A08('I1', 'PID|1||SAME^^^NORTH||NORTH^PATIENT'), 'c');
    await receive.execute(ADT_A08('I2', 'PID|1||SAME^^^SOUTH||SOUTH^PATIENT'), 'c');
    expect([...store.state.patients.values()].map((p) => [p.identity.issuerOfPatientID, (p.attributes[NAME]?.Value?.[0] as { Alphabetic: string }).Alphabetic])).toEqual([
      ['NORTH', 'NORTH^PATIENT'],
      ['SOUTH', 'SOUTH^PATIENT'],
    ]);
  });

  it('refuses content it cannot read, changing nothing but the event', async () => {
    const { receive, store } = setup();
    expect(await receive.execute(ADT_A08('B1', 'PID|1||P||X|||Q'), 'c')).toMatchObject({ failure: Hl7Failure.InvalidContent, condition: 'table-value-not-found', location: { segment: 'PID', sequence: 3, field: 8 } });
    expect(await receive.execute(message(msh({ type: 'ADT^A08', control: 'B2' }), 'EVN|A08'), 'c')).toMatchObject({ condition: 'segment-missing', location: { segment: 'PID' } });
    expect(store.state.patients.size).toBe(0);
    expect(store.state.messages.size).toBe(0);
  });

  it('merges (A40): the prior patient’s studies go to the survivor, which takes the PID’s demographics', async () => {
    const { receive, store, types } = setup();
    store.addStudy('default', '1.2.3.1', { patientID: 'SURV', issuerOfPatientID: 'HOSP' }, { [NAME]: { vr: 'PN', Value: [{ Alphabetic: 'RIGHT^NAME' }] } });
    store.addStudy('default', '1.2.3.2', { patientID: 'PRIOR', issuerOfPatientID: 'HOSP' }, { [NAME]: { vr: 'PN', Value: [{ Alphabetic: 'WRONG^NAME' }] } });
    const a40 = (control: string, mrg = 'MRG|PRIOR^^^HOSP') => message(msh({ type: 'ADT^A40^ADT_A39', control }), 'EVN|A40', 'PID|1||SURV^^^HOSP||RIGHT^NAME^X', mrg);
    expect(await receive.execute(a40('M1'), 'c')).toMatchObject({ outcome: 'accepted', duplicate: false });
    expect(store.study('default', '1.2.3.2')?.[NAME]).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'RIGHT^NAME^X' }] });
    const merged = store.state.events.find((e) => e.envelope.type === 'patient.merged.v1');
    expect(merged?.envelope.data).toMatchObject({ survivor: { patientID: 'SURV' }, prior: { patientID: 'PRIOR' }, movedStudyInstanceUIDs: ['1.2.3.2'], demographics: { patientName: 'RIGHT^NAME^X' } });
    // The same merge in a new message changes nothing more; an unknown prior patient is an error.
    expect(await receive.execute(a40('M2'), 'c')).toMatchObject({ outcome: 'accepted' });
    expect(types().filter((t) => t === 'patient.merged.v1')).toHaveLength(1);
    expect(await receive.execute(a40('M3', 'MRG|GHOST^^^HOSP'), 'c')).toMatchObject({ failure: Hl7Failure.InvalidContent, condition: 'unknown-key', location: { segment: 'MRG', sequence: 4, field: 1 } });
    // An update for the merged patient is refused: it names a record that is no more.
    expect(await receive.execute(ADT_A08('M4', 'PID|1||PRIOR^^^HOSP||X'), 'c')).toMatchObject({ condition: 'unknown-key', message: 'patient PRIOR was merged into SURV (HOSP); update that patient instead' });
  });

  it('changes an identifier (A47), refusing an identifier another patient has', async () => {
    const { receive, store } = setup();
    store.addStudy('default', '1.2.4.1', { patientID: 'TEMP', issuerOfPatientID: 'HOSP' }, { [NAME]: { vr: 'PN', Value: [{ Alphabetic: 'NEW^BORN' }] } });
    store.addStudy('default', '1.2.4.2', { patientID: 'TAKEN', issuerOfPatientID: 'HOSP' }, {});
    const a47 = (control: string, id: string) => message(msh({ type: 'ADT^A47^ADT_A30', control }), 'EVN|A47', `PID|1||${id}^^^HOSP`, 'MRG|TEMP^^^HOSP');
    expect(await receive.execute(a47('X1', 'TAKEN'), 'c')).toMatchObject({ condition: 'duplicate-key', location: { segment: 'PID', field: 3 } });
    expect(await receive.execute(a47('X2', 'MRN-7'), 'c')).toMatchObject({ outcome: 'accepted' });
    expect(store.study('default', '1.2.4.1')).toMatchObject({ '00100020': { vr: 'LO', Value: ['MRN-7'] }, [NAME]: { vr: 'PN', Value: [{ Alphabetic: 'NEW^BORN' }] } });
    expect(store.state.events.find((e) => e.envelope.type === 'patient.updated.v1')?.envelope.data).toMatchObject({ patient: { patientID: 'MRN-7' }, previousIdentity: { patientID: 'TEMP' } });
  });
});

describe('ReceiveMessageUseCase: orders', () => {
  const orm = (control: string, orc: string, extra = '') =>
    message(
      msh({ type: 'ORM^O01^ORM_O01', control }),
      'PID|1||PAT-9^^^HOSP||ORDER^PATIENT||19700101|F',
      orc,
      `OBR|1|PLC-1||CTCHEST^CT chest^LOCAL||||||||||||||ACC-9|RP-9|SPS-9|CT1|||CT|||^^^202611221030${extra}`,
    );
  const item = (store: MemoryHl7Store) => [...store.state.worklist.values()][0];
  const status = (store: MemoryHl7Store) => scheduledStepOf(item(store)?.attributes ?? {})['00400020']?.Value;

  it('places an order (NW) as a worklist item, changes it (XO), and cancels it (CA)', async () => {
    const { receive, store, types } = setup();
    expect(await receive.execute(orm('O1', 'ORC|NW|PLC-1'), 'c')).toMatchObject({ outcome: 'accepted' });
    expect(item(store)).toMatchObject({ tenant: 'default', studyInstanceUID: '1.2.826.0.1.3680043.10.99.1', scheduledProcedureStepID: 'SPS-9' });
    expect(item(store)?.attributes).toMatchObject({
      '00080050': { vr: 'SH', Value: ['ACC-9'] },
      '00100020': { vr: 'LO', Value: ['PAT-9'] },
      '00100021': { vr: 'LO', Value: ['HOSP'] },
      '00321060': { vr: 'LO', Value: ['CT chest'] },
      '00401001': { vr: 'SH', Value: ['RP-9'] },
      '00402016': { vr: 'LO', Value: ['PLC-1'] },
    });
    expect(scheduledStepOf(item(store)?.attributes ?? {})).toMatchObject({
      '00080060': { vr: 'CS', Value: ['CT'] },
      '00400001': { vr: 'AE', Value: ['CT1'] },
      '00400002': { vr: 'DA', Value: ['20261122'] },
      '00400003': { vr: 'TM', Value: ['1030'] },
      '00400020': { vr: 'CS', Value: ['SCHEDULED'] },
    });
    const change = message(msh({ type: 'ORM^O01', control: 'O2' }), 'PID|1||PAT-9^^^HOSP||ORDER^PATIENT', 'ORC|XO|PLC-1', 'OBR|1|PLC-1||CTCHEST^CT chest^LOCAL||||||||||||||ACC-9|RP-9|SPS-9|CT2|||CT|||^^^202611231100');
    expect(await receive.execute(change, 'c')).toMatchObject({ outcome: 'accepted' });
    expect(scheduledStepOf(item(store)?.attributes ?? {})).toMatchObject({ '00400001': { vr: 'AE', Value: ['CT2'] }, '00400002': { vr: 'DA', Value: ['20261123'] } });
    expect(await receive.execute(orm('O3', 'ORC|CA|PLC-1'), 'c')).toMatchObject({ outcome: 'accepted' });
    expect(status(store)).toEqual(['CANCELED']);
    expect(types().filter((t) => t.startsWith('order.'))).toEqual(['order.placed.v1', 'order.changed.v1', 'order.cancelled.v1']);
    expect(store.state.events.find((e) => e.envelope.type === 'order.placed.v1')).toMatchObject({ key: 'default/ACC-9', envelope: { data: { accessionNumber: 'ACC-9', scheduledStartDateTime: '2026-11-22T10:30:00', scheduledStationAETitles: ['CT1'], status: 'SCHEDULED' } } });
    // A cancelled order does not change any more.
    expect(await receive.execute(orm('O4', 'ORC|XO|PLC-1'), 'c')).toMatchObject({ condition: 'unknown-key' });
  });

  it('sets the status an SC message gives (ORC-5), and refuses NW for an order it has and XO for one it has not', async () => {
    const { receive, store } = setup();
    await receive.execute(orm('S1', 'ORC|NW|PLC-1'), 'c');
    expect(await receive.execute(orm('S2', 'ORC|SC|PLC-1|||IP'), 'c')).toMatchObject({ outcome: 'accepted' });
    expect(status(store)).toEqual(['STARTED']);
    expect(await receive.execute(orm('S3', 'ORC|SC|PLC-1|||ZZ'), 'c')).toMatchObject({ condition: 'table-value-not-found', location: { segment: 'ORC', field: 5 } });
    expect(await receive.execute(orm('S4', 'ORC|NW|PLC-1'), 'c')).toMatchObject({ condition: 'duplicate-key' });
    const other = setup();
    expect(await other.receive.execute(orm('S5', 'ORC|XO|PLC-1'), 'c')).toMatchObject({ condition: 'unknown-key', message: 'order ACC-9 is not known here; place it with ORC-1 NW first' });
  });

  it('refuses an order the worklist cannot hold, naming what it lacks', async () => {
    const { receive, store } = setup();
    const noStation = message(msh({ type: 'ORM^O01', control: 'W1' }), 'PID|1||PAT-9||ORDER^PATIENT', 'ORC|NW|PLC-1', 'OBR|1|PLC-1||CT^CT||||||||||||||ACC-1||||||CT|||^^^202611221030');
    expect(await receive.execute(noStation, 'c')).toMatchObject({ condition: 'required-field-missing', message: 'the order has no scheduled station AE title (IPC-9 or OBR-21); the worklist needs one' });
    const noName = message(msh({ type: 'ORM^O01', control: 'W2' }), 'PID|1||PAT-9', 'ORC|NW|PLC-1', 'OBR|1|PLC-1||CT^CT||||||||||||||ACC-1|||CT1|||CT|||^^^202611221030');
    expect(await receive.execute(noName, 'c')).toMatchObject({ condition: 'data-type-error', location: { segment: 'ORC', sequence: 3 } });
    expect(store.state.worklist.size).toBe(0);
  });
});
