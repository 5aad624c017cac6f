import {
  characterSetEncoder,
  CommandField,
  DimseStatus,
  encodeJsonDataset,
  EXPLICIT_VR_LITTLE_ENDIAN,
  readDataSet,
  type DicomJsonDataset,
  type DimseCommand,
  type DimseRequest,
} from '@tessera/dicom';
import { MemoryProcedureStepStore } from '@tessera/mpps';
import { silentLogger } from '@tessera/telemetry';
import { Readable } from 'node:stream';
import { CreateProcedureStepUseCase } from './create-procedure-step.use-case';
import { MppsScpService } from './mpps-scp.service';
import { SetProcedureStepUseCase } from './set-procedure-step.use-case';

const MPPS = '1.2.840.10008.3.1.2.3.3';
const EXPLICIT = '1.2.840.10008.1.2.1';

const attributes = (status = 'IN PROGRESS'): DicomJsonDataset => ({
  '00080005': { vr: 'CS', Value: ['ISO_IR 100'] },
  '00080060': { vr: 'CS', Value: ['MR'] },
  '00081032': { vr: 'SQ' },
  '00081120': { vr: 'SQ' },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Ångström^Åsa' }] },
  '00100020': { vr: 'LO', Value: ['P9'] },
  '00100030': { vr: 'DA' },
  '00100040': { vr: 'CS' },
  '00200010': { vr: 'SH' },
  '00400241': { vr: 'AE', Value: ['MR01'] },
  '00400242': { vr: 'SH' },
  '00400243': { vr: 'SH' },
  '00400244': { vr: 'DA', Value: ['20261122'] },
  '00400245': { vr: 'TM', Value: ['080000'] },
  '00400250': { vr: 'DA' },
  '00400251': { vr: 'TM' },
  '00400252': { vr: 'CS', Value: [status] },
  '00400253': { vr: 'SH', Value: ['PPS9'] },
  '00400254': { vr: 'LO' },
  '00400255': { vr: 'LO' },
  '00400260': { vr: 'SQ' },
  '00400270': { vr: 'SQ', Value: [{ '00080050': { vr: 'SH' }, '00081110': { vr: 'SQ' }, '0020000D': { vr: 'UI', Value: ['1.2.9.9'] }, '00321060': { vr: 'LO' }, '00400007': { vr: 'LO' }, '00400008': { vr: 'SQ' }, '00400009': { vr: 'SH' }, '00401001': { vr: 'SH' } }] },
  '00400340': { vr: 'SQ' },
});

const completion: DicomJsonDataset = {
  '00400252': { vr: 'CS', Value: ['COMPLETED'] },
  '00400250': { vr: 'DA', Value: ['20261122'] },
  '00400251': { vr: 'TM', Value: ['083000'] },
  '00400340': {
    vr: 'SQ',
    Value: [{ '00080054': { vr: 'AE' }, '0008103E': { vr: 'LO' }, '00081050': { vr: 'PN' }, '00081070': { vr: 'PN' }, '00081140': { vr: 'SQ' }, '00181030': { vr: 'LO', Value: ['Brain'] }, '0020000E': { vr: 'UI', Value: ['1.2.9.9.1'] }, '00400220': { vr: 'SQ' } }],
  },
};

function request(command: Omit<DimseCommand, 'hasDataSet' | 'messageId'>, dataSet?: DicomJsonDataset): DimseRequest {
  return {
    association: { id: 'assoc', callingAETitle: 'MR01', calledAETitle: 'TESSERA', remoteAddress: '127.0.0.1', remotePort: 1, implementationClassUid: '1', peerMaxPduLength: 0, roleSelections: [] },
    context: { id: 1, abstractSyntax: MPPS, transferSyntax: EXPLICIT },
    command: { ...command, messageId: 1, hasDataSet: dataSet !== undefined },
    ...(dataSet ? { dataSet: Readable.from([encodeJsonDataset(dataSet, EXPLICIT_VR_LITTLE_ENDIAN, characterSetEncoder(['ISO_IR 100']))]) } : {}),
    cancelled: new AbortController().signal,
    sendPending: async () => undefined,
    connection: undefined as never,
  };
}

const nCreate = (dataSet: DicomJsonDataset | undefined, sop?: string, sopClass = MPPS) => request({ commandField: CommandField.NCreateRQ, affectedSOPClassUID: sopClass, ...(sop ? { affectedSOPInstanceUID: sop } : {}) }, dataSet);
const nSet = (sop: string | undefined, dataSet: DicomJsonDataset, sopClass = MPPS) => request({ commandField: CommandField.NSetRQ, requestedSOPClassUID: sopClass, ...(sop ? { requestedSOPInstanceUID: sop } : {}) }, dataSet);

describe('MppsScpService: statuses and response fields (PS3.4 F.7.2, PS3.7 10.1 and Annex C)', () => {
  let store: MemoryProcedureStepStore;
  let scp: MppsScpService;
  beforeEach(() => {
    store = new MemoryProcedureStepStore();
    const options = { source: 'ingest@test', maxAttributesBytes: 1024 * 1024 };
    scp = new MppsScpService(new CreateProcedureStepUseCase(store, () => undefined, options), new SetProcedureStepUseCase(store, () => undefined, options), silentLogger);
  });

  it('serves the MPPS SOP Class as the MPPS operation, on uncompressed transfer syntaxes', () => {
    expect(scp.servesAbstractSyntax(MPPS)).toBe(true);
    expect(scp.servesAbstractSyntax('1.2.840.10008.3.1.2.3.4')).toBe(false);
    expect(scp.operationOf()).toBe('MPPS');
    expect(scp.chooseTransferSyntax(MPPS, ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2'])).toBe('1.2.840.10008.1.2');
  });

  it('answers N-CREATE and N-SET success naming the instance, the UID Tessera assigned included', async () => {
    const created = await scp.handle(nCreate(attributes()), 'default');
    expect(created).toEqual({ command: { commandField: CommandField.NCreateRSP, affectedSOPClassUID: MPPS, affectedSOPInstanceUID: expect.stringMatching(/^2\.25\./), status: DimseStatus.Success } });
    const sop = created.command.affectedSOPInstanceUID as string;
    expect((await store.find('default', sop))?.attributes['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Ångström^Åsa' }] });
    expect(await scp.handle(nSet(sop, completion), 'default')).toEqual({ command: { commandField: CommandField.NSetRSP, affectedSOPClassUID: MPPS, affectedSOPInstanceUID: sop, status: DimseStatus.Success } });
  });

  it('answers a missing attribute with 0120 and its Attribute Identifier List (C.5.13)', async () => {
    const ds = attributes();
    delete ds['00400253'];
    delete ds['00400270'];
    const { command, dataSet } = await scp.handle(nCreate(ds, '1.2.9.9.500'), 'default');
    expect(command).toEqual({ commandField: CommandField.NCreateRSP, affectedSOPClassUID: MPPS, status: DimseStatus.MissingAttribute, attributeIdentifierList: [0x00400270, 0x00400253], errorComment: 'Missing: (0040,0270); (0040,0253)' });
    expect(dataSet).toBeUndefined();
  });

  it('answers a status other than IN PROGRESS with 0106 and an Attribute List of it (F.7.2.1.3, C.5.11)', async () => {
    const { command, dataSet } = await scp.handle(nCreate(attributes('COMPLETED'), '1.2.9.9.501'), 'default');
    expect(command).toMatchObject({ commandField: CommandField.NCreateRSP, status: DimseStatus.InvalidAttributeValue });
    expect(command.affectedSOPInstanceUID).toBeUndefined();
    expect(await readDataSet(Readable.from([dataSet as Buffer]), EXPLICIT)).toEqual({ '00080005': { vr: 'CS', Value: ['ISO_IR 100'] }, '00400252': { vr: 'CS', Value: ['COMPLETED'] } });
  });

  it('answers a second N-CREATE of an instance with 0111, naming it (C.5.8)', async () => {
    await scp.handle(nCreate(attributes(), '1.2.9.9.502'), 'default');
    expect((await scp.handle(nCreate(attributes(), '1.2.9.9.502'), 'default')).command).toMatchObject({ status: DimseStatus.DuplicateSopInstance, affectedSOPInstanceUID: '1.2.9.9.502' });
  });

  it('answers N-SET of an unknown instance with 0112, and of a finished one with 0110 and Error ID A710 (Table F.7.2-2)', async () => {
    expect((await scp.handle(nSet('1.2.9.9.503', completion), 'default')).command).toEqual({ commandField: CommandField.NSetRSP, affectedSOPClassUID: MPPS, affectedSOPInstanceUID: '1.2.9.9.503', status: DimseStatus.NoSuchSopInstance, errorComment: 'No procedure step 1.2.9.9.503' });
    await scp.handle(nCreate(attributes(), '1.2.9.9.504'), 'default');
    await scp.handle(nSet('1.2.9.9.504', completion), 'default');
    expect((await scp.handle(nSet('1.2.9.9.504', completion), 'default')).command).toEqual({
      commandField: CommandField.NSetRSP,
      affectedSOPClassUID: MPPS,
      affectedSOPInstanceUID: '1.2.9.9.504',
      status: DimseStatus.ProcessingFailure,
      errorComment: 'Performed Procedure Step Object may no longer be updated',
      errorId: 0xa710,
    });
  });

  it('answers N-SET of attributes only N-CREATE may set with 0105 and their list (C.5.17), and an unfinished final state with 0121', async () => {
    await scp.handle(nCreate(attributes(), '1.2.9.9.505'), 'default');
    expect((await scp.handle(nSet('1.2.9.9.505', { '00080060': { vr: 'CS', Value: ['CT'] }, '00100020': { vr: 'LO', Value: ['P1'] } }), 'default')).command).toMatchObject({
      status: DimseStatus.NoSuchAttribute,
      attributeIdentifierList: [0x00100020, 0x00080060],
    });
    expect((await scp.handle(nSet('1.2.9.9.505', { '00400252': { vr: 'CS', Value: ['DISCONTINUED'] } }), 'default')).command).toMatchObject({
      status: DimseStatus.MissingAttributeValue,
      errorComment: 'No value: (0040,0250); (0040,0251); (0040,0340)',
    });
  });

  it('refuses another SOP Class (0118), a malformed instance UID (0117), and other operations (0211)', async () => {
    expect((await scp.handle(nCreate(attributes(), undefined, '1.2.840.10008.3.1.2.3.4'), 'default')).command).toMatchObject({ status: DimseStatus.NoSuchSopClass, affectedSOPClassUID: '1.2.840.10008.3.1.2.3.4' });
    expect((await scp.handle(nCreate(attributes(), '1.2.09'), 'default')).command).toMatchObject({ status: DimseStatus.InvalidSopInstance, affectedSOPInstanceUID: '1.2.09' });
    expect((await scp.handle(nSet(undefined, completion), 'default')).command).toMatchObject({ status: DimseStatus.InvalidSopInstance });
    expect((await scp.handle(nSet('1.2.9', completion, '1.2.840.10008.5.1.1.1'), 'default')).command).toMatchObject({ status: DimseStatus.NoSuchSopClass });
    expect((await scp.handle(request({ commandField: CommandField.NGetRQ, requestedSOPClassUID: MPPS, requestedSOPInstanceUID: '1.2.9' }), 'default')).command).toMatchObject({ commandField: CommandField.NGetRSP, status: DimseStatus.UnrecognizedOperation });
    expect(store.events).toEqual([]);
  });

  it('answers an attribute list it cannot read with 0110, and an N-CREATE without one with 0120', async () => {
    const broken = nCreate(undefined, '1.2.9.9.506');
    const garbled = { ...broken, command: { ...broken.command, hasDataSet: true }, dataSet: Readable.from([Buffer.from([0x10, 0x00, 0x10, 0x00, 0x50, 0x4e, 0xff, 0xff])]) };
    expect((await scp.handle(garbled, 'default')).command).toMatchObject({ status: DimseStatus.ProcessingFailure, errorComment: expect.stringMatching(/^Attribute list unreadable/) });
    expect((await scp.handle(nCreate(undefined, '1.2.9.9.507'), 'default')).command).toMatchObject({ status: DimseStatus.MissingAttribute });
  });
});
