import { DimseStatus, type DicomJsonDataset } from '@tessera/dicom';
import { expectEventually, requireInfra } from '@tessera/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const MPPS = '1.2.840.10008.3.1.2.3.3';
const VERIFICATION = '1.2.840.10008.1.1';

interface MppsResponse {
  status: number;
  affectedSopInstance: string | null;
  errorComment: string | null;
  errorId: number | null;
  attributeIdentifierList: string[] | null;
  attributeList: DicomJsonDataset | null;
}
interface MppsResult {
  associated: boolean;
  contexts: { abstractSyntax: string; result: number }[];
  responses: MppsResponse[];
}
interface MwlResult {
  statuses: (number | null)[];
  matches: Record<string, unknown>[];
}
type Operation = { op: 'create'; sop?: string; attributes: DicomJsonDataset } | { op: 'set'; sop: string; attributes: DicomJsonDataset };

let serial = 0;
const uid = (): string => `1.2.826.0.1.3680043.10.1138.${process.pid}.${Date.now()}.${(serial += 1)}`;

/** An N-CREATE attribute list with every attribute PS3.4 Table F.7.2-1 requires, as a modality sends it. */
function started(study: string, extra: DicomJsonDataset = {}): DicomJsonDataset {
  return {
    '00080005': { vr: 'CS', Value: ['ISO_IR 100'] },
    '00080060': { vr: 'CS', Value: ['CT'] },
    '00081032': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['CTCHEST'] }, '00080102': { vr: 'SH', Value: ['99LOCAL'] }, '00080104': { vr: 'LO', Value: ['CT chest'] } }] },
    '00081120': { vr: 'SQ' },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jürgen' }] },
    '00100020': { vr: 'LO', Value: ['PAT-7'] },
    '00100030': { vr: 'DA', Value: ['19700101'] },
    '00100040': { vr: 'CS', Value: ['M'] },
    '00200010': { vr: 'SH', Value: ['S1'] },
    '00400241': { vr: 'AE', Value: ['CT01'] },
    '00400242': { vr: 'SH', Value: ['CT ROOM 2'] },
    '00400243': { vr: 'SH' },
    '00400244': { vr: 'DA', Value: ['20261122'] },
    '00400245': { vr: 'TM', Value: ['101530'] },
    '00400250': { vr: 'DA' },
    '00400251': { vr: 'TM' },
    '00400252': { vr: 'CS', Value: ['IN PROGRESS'] },
    '00400253': { vr: 'SH', Value: ['PPS-1'] },
    '00400254': { vr: 'LO', Value: ['CT chest with contrast'] },
    '00400255': { vr: 'LO' },
    '00400260': { vr: 'SQ' },
    '00400270': {
      vr: 'SQ',
      Value: [
        {
          '00080050': { vr: 'SH', Value: ['ACC-1001'] },
          '00081110': { vr: 'SQ' },
          '0020000D': { vr: 'UI', Value: [study] },
          '00321060': { vr: 'LO', Value: ['CT chest'] },
          '00400007': { vr: 'LO', Value: ['CT chest, arterial phase'] },
          '00400008': { vr: 'SQ' },
          '00400009': { vr: 'SH', Value: ['SPS-1'] },
          '00401001': { vr: 'SH', Value: ['RP-1'] },
        },
      ],
    },
    '00400340': { vr: 'SQ' },
    ...extra,
  };
}

function series(seriesUid: string, images: string[]): DicomJsonDataset {
  return {
    '00080054': { vr: 'AE', Value: ['TESSERA'] },
    '0008103E': { vr: 'LO', Value: ['Axial 1 mm'] },
    '00081050': { vr: 'PN' },
    '00081070': { vr: 'PN', Value: [{ Alphabetic: 'Tech^Tom' }] },
    '00081140': { vr: 'SQ', Value: images.map((sop) => ({ '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] }, '00081155': { vr: 'UI', Value: [sop] } })) },
    '00181030': { vr: 'LO', Value: ['Chest routine'] },
    '0020000E': { vr: 'UI', Value: [seriesUid] },
    '00400220': { vr: 'SQ' },
  };
}

function finished(status: 'COMPLETED' | 'DISCONTINUED', performed: DicomJsonDataset[]): DicomJsonDataset {
  return {
    '00400252': { vr: 'CS', Value: [status] },
    '00400250': { vr: 'DA', Value: ['20261122'] },
    '00400251': { vr: 'TM', Value: ['104500'] },
    '00400340': { vr: 'SQ', Value: performed },
  };
}

interface SeenEvent {
  key: string;
  type: string;
  data: { sopInstanceUID: string; status: string; revision: number } & Record<string, unknown>;
}

describe.each(MODES)('MPPS SCP with pynetdicom as the modality, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let consumer: Consumer | undefined;
  const seen: SeenEvent[] = [];
  const study = uid();
  const completedStep = uid();
  let discontinuedStep = '';
  const refused = new Set<string>();

  const mpps = (operations: Operation[], callingAet = 'MODALITY') => runPeer<MppsResult>('mpps_peer.py', [], { port: tessera.dimsePort, aet: 'TESSERA', callingAet, operations });
  const register = async (aeTitle: string, allowedOperations: string[]): Promise<void> => {
    const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/application-entities/${aeTitle}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ host: '127.0.0.1', port: 104, allowedOperations }),
    });
    expect(res.ok).toBe(true);
  };

  beforeAll(async () => {
    backing = await createBacking(mode, 'mpps');
    // Only registered AEs get in; what each may do is what it is registered for.
    tessera = await startTessera(`mpps-${mode}`, { ...backing.env, DIMSE_UNKNOWN_CALLING_AE: 'reject' });
    await register('MODALITY', ['ECHO', 'STORE', 'MPPS', 'WORKLIST']);
    await register('VIEWER', ['ECHO', 'FIND']);
    if (mode === 'distributed') {
      const prefix = backing.env.KAFKA_TOPIC_PREFIX as string;
      const kafka = new Kafka({ clientId: 'mpps-e2e', brokers: requireInfra().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
      consumer = kafka.consumer({ groupId: `${prefix}mpps-e2e` });
      await consumer.connect();
      await consumer.subscribe({ topic: `${prefix}tessera.procedure-steps`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const envelope = JSON.parse(message.value?.toString('utf8') ?? '{}') as { type: string; data: SeenEvent['data'] };
          seen.push({ key: message.key?.toString('utf8') ?? '', type: message.headers?.['tessera-event-type']?.toString() ?? '', data: envelope.data });
        },
      });
    }
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await tessera?.stop();
    await backing?.cleanup();
  });

  it('takes a step from N-CREATE IN PROGRESS through an N-SET to COMPLETED (PS3.4 F.7.2)', async () => {
    const result = await mpps([
      { op: 'create', sop: completedStep, attributes: started(study) },
      { op: 'set', sop: completedStep, attributes: { '00400340': { vr: 'SQ', Value: [series(`${study}.1`, [`${study}.1.1`])] } } },
      { op: 'set', sop: completedStep, attributes: finished('COMPLETED', [series(`${study}.1`, [`${study}.1.1`, `${study}.1.2`]), series(`${study}.2`, [`${study}.2.1`])]) },
    ]);
    expect(result.contexts).toEqual([{ abstractSyntax: VERIFICATION, result: 0 }, { abstractSyntax: MPPS, result: 0 }]);
    expect(result.responses.map((r) => [r.status, r.affectedSopInstance])).toEqual([
      [DimseStatus.Success, completedStep],
      [DimseStatus.Success, completedStep],
      [DimseStatus.Success, completedStep],
    ]);
  });

  it('assigns the SOP Instance UID when the modality gives none, and discontinues that step', async () => {
    const [created] = (await mpps([{ op: 'create', attributes: started(study, { '00400253': { vr: 'SH', Value: ['PPS-2'] } }) }])).responses as [MppsResponse];
    expect(created.status).toBe(DimseStatus.Success);
    expect(created.affectedSopInstance).toMatch(/^2\.25\.\d+$/);
    discontinuedStep = created.affectedSopInstance as string;
    const reason: DicomJsonDataset = { '00400281': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['110514'] }, '00080102': { vr: 'SH', Value: ['DCM'] }, '00080104': { vr: 'LO', Value: ['Incorrect worklist entry selected'] } }] } };
    const [discontinued] = (await mpps([{ op: 'set', sop: discontinuedStep, attributes: { ...finished('DISCONTINUED', [series(`${study}.3`, [])]), ...reason } }])).responses as [MppsResponse];
    expect(discontinued.status).toBe(DimseStatus.Success);
  });

  it('takes the worklist item a modality performs off the worklist once started, and marks it completed with the step', async () => {
    const scheduledStudy = uid();
    const body = {
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Worklist^Follow' }] },
      '00100020': { vr: 'LO', Value: ['PAT-WL'] },
      '00321060': { vr: 'LO', Value: ['CT chest'] },
      '00401001': { vr: 'SH', Value: ['RP-WL'] },
      '00400100': {
        vr: 'SQ',
        Value: [{ '00080060': { vr: 'CS', Value: ['CT'] }, '00400001': { vr: 'AE', Value: ['CTWL'] }, '00400002': { vr: 'DA', Value: ['20261122'] }, '00400003': { vr: 'TM', Value: ['1000'] }, '00400007': { vr: 'LO', Value: ['CT chest'] } }],
      },
    };
    const put = await tessera.fetch(`${tessera.baseUrl}/worklist/items/${scheduledStudy}/SPS-WL`, { method: 'PUT', headers: { 'content-type': 'application/dicom+json' }, body: JSON.stringify(body) });
    expect(put.status).toBe(201);
    const worklist = async (status?: string): Promise<unknown[]> => {
      const step = { ScheduledStationAETitle: 'CTWL', ScheduledProcedureStepID: '', ...(status ? { ScheduledProcedureStepStatus: status } : {}) };
      const result = await runPeer<MwlResult>('mwl_peer.py', ['find'], { port: tessera.dimsePort, aet: 'TESSERA', callingAet: 'MODALITY', identifier: { PatientID: '', ScheduledProcedureStepSequence: [step] } });
      return result.matches.map((m) => (m.ScheduledProcedureStepSequence as Record<string, unknown>[])[0]);
    };
    expect(await worklist()).toEqual([{ ScheduledStationAETitle: 'CTWL', ScheduledProcedureStepID: 'SPS-WL' }]);

    // The modality picked the item and begins: its MPPS names the scheduled step it performs.
    const performed = uid();
    const performing = started(scheduledStudy, { '00400270': { vr: 'SQ', Value: [{ '0020000D': { vr: 'UI', Value: [scheduledStudy] }, '00080050': { vr: 'SH' }, '00081110': { vr: 'SQ' }, '00321060': { vr: 'LO', Value: ['CT chest'] }, '00400007': { vr: 'LO', Value: ['CT chest'] }, '00400008': { vr: 'SQ' }, '00400009': { vr: 'SH', Value: ['SPS-WL'] }, '00401001': { vr: 'SH', Value: ['RP-WL'] } }] } });
    expect((await mpps([{ op: 'create', sop: performed, attributes: performing }])).responses.map((r) => r.status)).toEqual([DimseStatus.Success]);
    await expectEventually(async () => expect(await worklist()).toEqual([]));
    expect(await worklist('STARTED')).toEqual([{ ScheduledStationAETitle: 'CTWL', ScheduledProcedureStepID: 'SPS-WL', ScheduledProcedureStepStatus: 'STARTED' }]);

    const done = await mpps([{ op: 'set', sop: performed, attributes: finished('COMPLETED', [series(`${scheduledStudy}.1`, [`${scheduledStudy}.1.1`])]) }]);
    expect(done.responses.map((r) => r.status)).toEqual([DimseStatus.Success]);
    await expectEventually(async () => expect(await worklist('COMPLETED')).toEqual([{ ScheduledStationAETitle: 'CTWL', ScheduledProcedureStepID: 'SPS-WL', ScheduledProcedureStepStatus: 'COMPLETED' }]));
    expect(await worklist('STARTED')).toEqual([]);
  });

  it('refuses an N-CREATE without a required attribute with 0120, naming it in the Attribute Identifier List', async () => {
    const sop = uid();
    refused.add(sop);
    const attributes = started(study);
    delete attributes['00400241'];
    const [response] = (await mpps([{ op: 'create', sop, attributes }])).responses as [MppsResponse];
    expect(response).toMatchObject({ status: DimseStatus.MissingAttribute, attributeIdentifierList: ['00400241'], errorComment: 'Missing: (0040,0241)', affectedSopInstance: null });
  });

  it('refuses an N-CREATE whose status is not IN PROGRESS with 0106 and an Attribute List of that status (F.7.2.1.3)', async () => {
    const sop = uid();
    refused.add(sop);
    const [response] = (await mpps([{ op: 'create', sop, attributes: started(study, { '00400252': { vr: 'CS', Value: ['COMPLETED'] } }) }])).responses as [MppsResponse];
    expect(response.status).toBe(DimseStatus.InvalidAttributeValue);
    expect(response.attributeList).toMatchObject({ '00400252': { vr: 'CS', Value: ['COMPLETED'] } });
  });

  it('refuses a second N-CREATE of one SOP instance with 0111', async () => {
    const [response] = (await mpps([{ op: 'create', sop: completedStep, attributes: started(study) }])).responses as [MppsResponse];
    expect(response).toMatchObject({ status: DimseStatus.DuplicateSopInstance, affectedSopInstance: completedStep });
  });

  it('refuses N-SET of an unknown instance with 0112', async () => {
    const sop = uid();
    refused.add(sop);
    const [response] = (await mpps([{ op: 'set', sop, attributes: finished('COMPLETED', [series(`${study}.9`, [])]) }])).responses as [MppsResponse];
    expect(response).toMatchObject({ status: DimseStatus.NoSuchSopInstance, affectedSopInstance: sop });
  });

  it('refuses N-SET of a COMPLETED or DISCONTINUED step with 0110 and Error ID A710 (Table F.7.2-2)', async () => {
    const responses = (await mpps([
      { op: 'set', sop: completedStep, attributes: { '00400280': { vr: 'ST', Value: ['one more thing'] } } },
      { op: 'set', sop: discontinuedStep, attributes: finished('COMPLETED', [series(`${study}.3`, [])]) },
    ])).responses;
    for (const response of responses) expect(response).toMatchObject({ status: DimseStatus.ProcessingFailure, errorId: 0xa710, errorComment: 'Performed Procedure Step Object may no longer be updated' });
  });

  it('refuses N-SET of what only N-CREATE may set (0105) and a final state without its end time (0121)', async () => {
    const sop = uid();
    const responses = (await mpps([
      { op: 'create', sop, attributes: started(study, { '00400253': { vr: 'SH', Value: ['PPS-3'] } }) },
      { op: 'set', sop, attributes: { '00100020': { vr: 'LO', Value: ['PAT-8'] } } },
      { op: 'set', sop, attributes: { ...finished('COMPLETED', [series(`${study}.4`, [])]), '00400251': { vr: 'TM' } } },
    ])).responses;
    expect(responses.map((r) => r.status)).toEqual([DimseStatus.Success, DimseStatus.NoSuchAttribute, DimseStatus.MissingAttributeValue]);
    expect(responses[1]?.attributeIdentifierList).toEqual(['00100020']);
    expect(responses[2]?.errorComment).toBe('No value: (0040,0251)');
  });

  it('rejects the MPPS presentation context of an AE not allowed MPPS, as a user rejection (PS3.8 9.3.3.2)', async () => {
    const result = await mpps([{ op: 'create', attributes: started(study) }], 'VIEWER');
    expect(result).toEqual({ associated: true, contexts: [{ abstractSyntax: VERIFICATION, result: 0 }, { abstractSyntax: MPPS, result: 1 }], responses: [] });
  });

  if (mode === 'distributed') {
    it('publishes each accepted change to Kafka, in order, keyed by tenant and study, and nothing for a refused one', async () => {
      const of = (sop: string) => seen.filter((e) => e.data.sopInstanceUID === sop);
      await expectEventually(() => expect(of(discontinuedStep)).toHaveLength(2), { timeoutMs: 60_000, intervalMs: 250 });
      expect(of(completedStep).map((e) => [e.type, e.data.revision, e.key])).toEqual([
        ['procedure-step.in-progress.v1', 1, `default/${study}`],
        ['procedure-step.in-progress.v1', 2, `default/${study}`],
        ['procedure-step.completed.v1', 3, `default/${study}`],
      ]);
      expect(of(discontinuedStep).map((e) => [e.type, e.data.revision])).toEqual([
        ['procedure-step.in-progress.v1', 1],
        ['procedure-step.discontinued.v1', 2],
      ]);
      expect(seen.filter((e) => refused.has(e.data.sopInstanceUID))).toEqual([]);
      const completed = of(completedStep)[2]?.data;
      expect(completed).toMatchObject({
        status: 'COMPLETED',
        modality: 'CT',
        performedStationAETitle: 'CT01',
        startDateTime: '2026-11-22T10:15:30',
        endDateTime: '2026-11-22T10:45:00',
        patient: { patientID: 'PAT-7', patientName: 'Müller^Jürgen' },
        scheduledSteps: [{ studyInstanceUID: study, accessionNumber: 'ACC-1001', requestedProcedureID: 'RP-1', scheduledProcedureStepID: 'SPS-1' }],
        receivedVia: { callingAETitle: 'MODALITY', calledAETitle: 'TESSERA' },
      });
      expect((completed?.performedSeries as { instances: unknown[] }[]).map((s) => s.instances.length)).toEqual([2, 1]);
      expect(of(discontinuedStep)[1]?.data.discontinuationReasons).toEqual([{ codeValue: '110514', codingSchemeDesignator: 'DCM', codeMeaning: 'Incorrect worklist entry selected' }]);
    });
  }
});
