import { parseEvent, ProcedureStepCompletedV1, ProcedureStepDiscontinuedV1, ProcedureStepInProgressV1 } from '@tessera/contracts';
import type { DicomJsonDataset } from '@tessera/dicom';
import { MemoryProcedureStepStore, type ProcedureStepChange } from '@tessera/mpps';
import type { OutboxEntry } from '@tessera/outbox';
import { CreateProcedureStepUseCase, type CreateProcedureStepCommand } from './create-procedure-step.use-case';
import { MppsFailure } from './mpps-failure';
import { SetProcedureStepUseCase, type SetProcedureStepCommand } from './set-procedure-step.use-case';

const OPTIONS = { source: 'ingest@test', maxAttributesBytes: 64 * 1024 };
const VIA = { callingAETitle: 'CT01', calledAETitle: 'TESSERA', remoteAddress: '10.0.0.7' };

function started(extra: DicomJsonDataset = {}): DicomJsonDataset {
  return {
    '00080005': { vr: 'CS', Value: ['ISO_IR 100'] },
    '00080060': { vr: 'CS', Value: ['CT'] },
    '00081032': { vr: 'SQ' },
    '00081120': { vr: 'SQ' },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jürgen' }] },
    '00100020': { vr: 'LO', Value: ['P1'] },
    '00100030': { vr: 'DA' },
    '00100040': { vr: 'CS' },
    '00200010': { vr: 'SH' },
    '00400241': { vr: 'AE', Value: ['CT01'] },
    '00400242': { vr: 'SH', Value: ['CT ROOM 2'] },
    '00400243': { vr: 'SH' },
    '00400244': { vr: 'DA', Value: ['20261122'] },
    '00400245': { vr: 'TM', Value: ['1015'] },
    '00400250': { vr: 'DA' },
    '00400251': { vr: 'TM' },
    '00400252': { vr: 'CS', Value: ['IN PROGRESS'] },
    '00400253': { vr: 'SH', Value: ['PPS1'] },
    '00400254': { vr: 'LO', Value: ['CT chest'] },
    '00400255': { vr: 'LO' },
    '00400260': { vr: 'SQ' },
    '00400270': {
      vr: 'SQ',
      Value: [
        { '00080050': { vr: 'SH', Value: ['ACC1'] }, '00081110': { vr: 'SQ' }, '0020000D': { vr: 'UI', Value: ['1.2.3.4'] }, '00321060': { vr: 'LO' }, '00400007': { vr: 'LO' }, '00400008': { vr: 'SQ' }, '00400009': { vr: 'SH', Value: ['SPS1'] }, '00401001': { vr: 'SH', Value: ['RP1'] } },
        { '00080050': { vr: 'SH' }, '00081110': { vr: 'SQ' }, '0020000D': { vr: 'UI', Value: ['1.2.3.4'] }, '00321060': { vr: 'LO' }, '00400007': { vr: 'LO' }, '00400008': { vr: 'SQ' }, '00400009': { vr: 'SH' }, '00401001': { vr: 'SH' } },
      ],
    },
    '00400340': { vr: 'SQ' },
    ...extra,
  };
}

const performedSeries = (uid: string, images: string[], other: string[] = []): DicomJsonDataset => ({
  '00080054': { vr: 'AE', Value: ['TESSERA'] },
  '0008103E': { vr: 'LO', Value: ['Axial'] },
  '00081050': { vr: 'PN' },
  '00081070': { vr: 'PN' },
  '00081140': { vr: 'SQ', Value: images.map((sop) => ({ '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] }, '00081155': { vr: 'UI', Value: [sop] } })) },
  '00181030': { vr: 'LO', Value: ['Chest'] },
  '0020000E': { vr: 'UI', Value: [uid] },
  '00400220': { vr: 'SQ', Value: other.map((sop) => ({ '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.88.67'] }, '00081155': { vr: 'UI', Value: [sop] } })) },
});

const finished = (status: string): DicomJsonDataset => ({
  '00400252': { vr: 'CS', Value: [status] },
  '00400250': { vr: 'DA', Value: ['20261122'] },
  '00400251': { vr: 'TM', Value: ['103000.5'] },
  '00400340': { vr: 'SQ', Value: [performedSeries('1.2.3.4.5', ['1.2.3.4.5.1', '1.2.3.4.5.2'], ['1.2.3.4.5.9'])] },
});

describe('the procedure-step state machine (PS3.4 F.1.5, F.7.2)', () => {
  let store: MemoryProcedureStepStore;
  let notified: number;
  let create: CreateProcedureStepUseCase;
  let set: SetProcedureStepUseCase;
  const creating = (attributes: DicomJsonDataset, sopInstanceUID?: string): CreateProcedureStepCommand => ({ tenant: 'default', attributes, receivedVia: VIA, correlationId: 'assoc-1', ...(sopInstanceUID ? { sopInstanceUID } : {}) });
  const setting = (sopInstanceUID: string, modification: DicomJsonDataset): SetProcedureStepCommand => ({ tenant: 'default', sopInstanceUID, modification, receivedVia: VIA, correlationId: 'assoc-2' });
  const types = () => store.events.map((e) => e.envelope.type);

  beforeEach(() => {
    store = new MemoryProcedureStepStore();
    notified = 0;
    create = new CreateProcedureStepUseCase(store, () => (notified += 1), OPTIONS);
    set = new SetProcedureStepUseCase(store, () => (notified += 1), OPTIONS);
  });

  it('creates IN PROGRESS under the SCU UID, keyed by the first scheduled step, with an in-progress event carrying the step', async () => {
    expect(await create.execute(creating(started(), '1.2.3.100'))).toEqual({ outcome: 'created', sopInstanceUID: '1.2.3.100' });
    const step = await store.find('default', '1.2.3.100');
    expect(step).toMatchObject({ status: 'IN PROGRESS', studyInstanceUID: '1.2.3.4', accessionNumber: 'ACC1', revision: 1 });
    // Text is kept in Unicode: the step says so, whatever the request was encoded in (PS3.4 F.7.2.2.3).
    expect(step?.attributes['00080005']).toEqual({ vr: 'CS', Value: ['ISO_IR 192'] });
    expect(notified).toBe(1);
    const [event] = store.events as [OutboxEntry];
    expect(event).toMatchObject({ topic: 'tessera.procedure-steps', key: 'default/1.2.3.4', headers: { 'tessera-event-type': 'procedure-step.in-progress.v1', 'tessera-tenant': 'default' } });
    expect(parseEvent(ProcedureStepInProgressV1, event.envelope).data).toEqual({
      sopInstanceUID: '1.2.3.100',
      status: 'IN PROGRESS',
      revision: 1,
      studyInstanceUID: '1.2.3.4',
      performedProcedureStepID: 'PPS1',
      modality: 'CT',
      performedStationAETitle: 'CT01',
      performedStationName: 'CT ROOM 2',
      description: 'CT chest',
      startDateTime: '2026-11-22T10:15:00',
      patient: { patientID: 'P1', patientName: 'Müller^Jürgen' },
      scheduledSteps: [{ studyInstanceUID: '1.2.3.4', accessionNumber: 'ACC1', requestedProcedureID: 'RP1', scheduledProcedureStepID: 'SPS1' }, { studyInstanceUID: '1.2.3.4' }],
      performedSeries: [],
      receivedVia: VIA,
    });
    expect(event.envelope).toMatchObject({ tenant: 'default', source: 'ingest@test', correlationId: 'assoc-1' });
  });

  it('assigns a 2.25 UID when the SCU gives none (PS3.7 10.1.5.1.4)', async () => {
    const result = await create.execute(creating(started()));
    expect(result).toMatchObject({ outcome: 'created', sopInstanceUID: expect.stringMatching(/^2\.25\.\d+$/) });
    expect(await store.find('default', (result as { sopInstanceUID: string }).sopInstanceUID)).toBeDefined();
  });

  it('takes N-SETs while IN PROGRESS, then completes, each change one event of the next revision', async () => {
    await create.execute(creating(started(), '1.2.3.100'));
    expect(await set.execute(setting('1.2.3.100', { '00400340': { vr: 'SQ', Value: [performedSeries('1.2.3.4.5', ['1.2.3.4.5.1'])] } }))).toEqual({ outcome: 'updated', status: 'IN PROGRESS', revision: 2 });
    expect(await set.execute(setting('1.2.3.100', finished('COMPLETED')))).toEqual({ outcome: 'updated', status: 'COMPLETED', revision: 3 });
    expect(types()).toEqual(['procedure-step.in-progress.v1', 'procedure-step.in-progress.v1', 'procedure-step.completed.v1']);
    expect(notified).toBe(3);
    const completed = parseEvent(ProcedureStepCompletedV1, (store.events[2] as OutboxEntry).envelope).data;
    expect(completed).toMatchObject({ status: 'COMPLETED', revision: 3, startDateTime: '2026-11-22T10:15:00', endDateTime: '2026-11-22T10:30:00.5', description: 'CT chest' });
    // Images and other instances together: their split has no meaning (PS3.4 F.7.2.2.2).
    expect(completed.performedSeries).toEqual([
      {
        seriesInstanceUID: '1.2.3.4.5',
        protocolName: 'Chest',
        seriesDescription: 'Axial',
        instances: [
          { sopClassUID: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUID: '1.2.3.4.5.1' },
          { sopClassUID: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUID: '1.2.3.4.5.2' },
          { sopClassUID: '1.2.840.10008.5.1.4.1.1.88.67', sopInstanceUID: '1.2.3.4.5.9' },
        ],
      },
    ]);
    // N-SET replaces a sequence whole (F.7.2.2.2) and keeps what it does not name.
    const step = await store.find('default', '1.2.3.100');
    expect(step?.attributes['00400340']?.Value).toHaveLength(1);
    expect(step?.attributes['00400254']).toEqual({ vr: 'LO', Value: ['CT chest'] });
  });

  it('discontinues with the reason, and a discontinued step takes no further N-SET (A710)', async () => {
    await create.execute(creating(started(), '1.2.3.200'));
    const reason = { '00400281': { vr: 'SQ' as const, Value: [{ '00080100': { vr: 'SH', Value: ['110514'] }, '00080102': { vr: 'SH', Value: ['DCM'] }, '00080104': { vr: 'LO', Value: ['Incorrect worklist entry selected'] } }] } };
    expect(await set.execute(setting('1.2.3.200', { ...finished('DISCONTINUED'), ...reason }))).toMatchObject({ outcome: 'updated', status: 'DISCONTINUED' });
    const discontinued = parseEvent(ProcedureStepDiscontinuedV1, (store.events[1] as OutboxEntry).envelope).data;
    expect(discontinued.discontinuationReasons).toEqual([{ codeValue: '110514', codingSchemeDesignator: 'DCM', codeMeaning: 'Incorrect worklist entry selected' }]);
    expect(await set.execute(setting('1.2.3.200', { '00400280': { vr: 'ST', Value: ['late'] } }))).toEqual({
      outcome: 'refused',
      failure: MppsFailure.NoLongerUpdatable,
      message: 'Performed Procedure Step Object may no longer be updated',
    });
    expect(await set.execute(setting('1.2.3.200', finished('COMPLETED')))).toMatchObject({ failure: MppsFailure.NoLongerUpdatable });
    expect(types()).toEqual(['procedure-step.in-progress.v1', 'procedure-step.discontinued.v1']);
  });

  it('refuses to finish a step that lacks what the final state requires, and changes nothing', async () => {
    await create.execute(creating(started(), '1.2.3.300'));
    const result = await set.execute(setting('1.2.3.300', { '00400252': { vr: 'CS', Value: ['COMPLETED'] }, '00400250': { vr: 'DA', Value: ['20261122'] } }));
    expect(result).toMatchObject({ outcome: 'refused', failure: MppsFailure.MissingAttributeValue, message: 'No value: (0040,0251); (0040,0340)' });
    expect(await store.find('default', '1.2.3.300')).toMatchObject({ status: 'IN PROGRESS', revision: 1 });
    expect(types()).toEqual(['procedure-step.in-progress.v1']);
  });

  it('refuses N-CREATE problems in the order of PS3.7: missing attributes, missing values, invalid values', async () => {
    const withoutModality = started();
    delete withoutModality['00080060'];
    expect(await create.execute(creating({ ...withoutModality, '00400253': { vr: 'SH' } }))).toMatchObject({ failure: MppsFailure.MissingAttribute, message: 'Missing: (0008,0060)' });
    expect(await create.execute(creating(started({ '00400253': { vr: 'SH' }, '00400252': { vr: 'CS', Value: ['COMPLETED'] } })))).toMatchObject({ failure: MppsFailure.MissingAttributeValue });
    const wrongStatus = await create.execute(creating(started({ '00400252': { vr: 'CS', Value: ['COMPLETED'] } })));
    expect(wrongStatus).toMatchObject({ failure: MppsFailure.InvalidAttributeValue, offending: { '00400252': { vr: 'CS', Value: ['COMPLETED'] } } });
    expect(store.events).toEqual([]);
  });

  it('refuses a second N-CREATE of one SOP instance, and N-SET of an unknown one', async () => {
    await create.execute(creating(started(), '1.2.3.400'));
    expect(await create.execute(creating(started(), '1.2.3.400'))).toMatchObject({ outcome: 'refused', failure: MppsFailure.DuplicateInstance });
    expect(await set.execute(setting('1.2.3.401', finished('COMPLETED')))).toMatchObject({ outcome: 'refused', failure: MppsFailure.NoSuchInstance });
    expect(await set.execute({ ...setting('1.2.3.400', finished('COMPLETED')), tenant: 'other' })).toMatchObject({ failure: MppsFailure.NoSuchInstance });
    expect(types()).toEqual(['procedure-step.in-progress.v1']);
  });

  it('refuses N-SET of what only N-CREATE may set, and an unknown status', async () => {
    await create.execute(creating(started(), '1.2.3.500'));
    expect(await set.execute(setting('1.2.3.500', { '00100020': { vr: 'LO', Value: ['P2'] } }))).toMatchObject({ failure: MppsFailure.AttributeNotAllowed, message: 'Not allowed in N-SET: (0010,0020)' });
    expect(await set.execute(setting('1.2.3.500', { '00400252': { vr: 'CS', Value: ['PAUSED'] } }))).toMatchObject({ failure: MppsFailure.InvalidAttributeValue });
    expect(await store.find('default', '1.2.3.500')).toMatchObject({ revision: 1 });
  });

  it('refuses a step whose attributes would outgrow the limit', async () => {
    const small = new CreateProcedureStepUseCase(store, () => undefined, { ...OPTIONS, maxAttributesBytes: 1000 });
    expect(await small.execute(creating(started()))).toMatchObject({ outcome: 'refused', failure: MppsFailure.TooLarge });
    await create.execute(creating(started(), '1.2.3.600'));
    const bulky = { '00400280': { vr: 'ST' as const, Value: ['x'.repeat(70 * 1024)] } };
    expect(await set.execute(setting('1.2.3.600', bulky))).toMatchObject({ outcome: 'refused', failure: MppsFailure.TooLarge });
  });

  it('checks an N-SET again against a step another N-SET changed first', async () => {
    await create.execute(creating(started(), '1.2.3.700'));
    // Another association completes the step between this N-SET's read and its write.
    const update = store.update.bind(store);
    let raced = false;
    store.update = async (change: ProcedureStepChange, events: readonly OutboxEntry[]) => {
      if (!raced) {
        raced = true;
        await update({ ...change, status: 'COMPLETED', attributes: { ...change.attributes, ...finished('COMPLETED') } }, []);
      }
      return update(change, events);
    };
    expect(await set.execute(setting('1.2.3.700', { '00400280': { vr: 'ST', Value: ['comment'] } }))).toMatchObject({ failure: MppsFailure.NoLongerUpdatable });
  });
});
