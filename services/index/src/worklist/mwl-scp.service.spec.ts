import { loadConfig } from '@tessera/config';
import { DimseAudit } from '@tessera/platform';
import { characterSetEncoder, CommandField, DimseStatus, encodeJsonDataset, EXPLICIT_VR_LITTLE_ENDIAN, readDataSet, type DicomJsonDataset, type DimseRequest, type DimseResponse } from '@tessera/dicom';
import { silentLogger } from '@tessera/telemetry';
import { checkWorklistItem, MemoryWorklistStore, type WorklistStore } from '@tessera/worklist';
import { Readable } from 'node:stream';
import { MwlFindUseCase } from './mwl-find.use-case';
import { MODALITY_WORKLIST_FIND, MwlScpService } from './mwl-scp.service';

async function storeWith(count: number): Promise<MemoryWorklistStore> {
  const store = new MemoryWorklistStore();
  for (let i = 1; i <= count; i++) {
    const body = {
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎' }] },
      '00100020': { vr: 'LO', Value: [`P${i}`] },
      '00321060': { vr: 'LO', Value: ['CT'] },
      '00401001': { vr: 'SH', Value: [`RP${i}`] },
      '00400100': { vr: 'SQ', Value: [{ '00080060': { vr: 'CS', Value: ['CT'] }, '00400001': { vr: 'AE', Value: ['CT1'] }, '00400002': { vr: 'DA', Value: ['20240301'] }, '00400003': { vr: 'TM', Value: [`${String(i % 24).padStart(2, '0')}00`] }, '00400007': { vr: 'LO', Value: ['Head'] } }] },
    };
    await store.create({ tenant: 'default', ...checkWorklistItem(body, { studyInstanceUID: () => `1.2.3.${i}`, scheduledProcedureStepID: () => `S${i}` }) });
  }
  return store;
}

function request(identifier: DicomJsonDataset, cancelled: AbortSignal, onPending: (response: DimseResponse) => void, charset?: string[]): DimseRequest {
  return {
    association: { id: 'a', callingAETitle: 'CT1', calledAETitle: 'TESSERA', remoteAddress: '127.0.0.1', remotePort: 1, implementationClassUid: '1', peerMaxPduLength: 0, roleSelections: [] },
    context: { id: 1, abstractSyntax: MODALITY_WORKLIST_FIND, transferSyntax: '1.2.840.10008.1.2.1' },
    command: { commandField: CommandField.CFindRQ, messageId: 1, hasDataSet: true },
    dataSet: Readable.from([encodeJsonDataset(charset ? { ...identifier, '00080005': { vr: 'CS', Value: charset } } : identifier, EXPLICIT_VR_LITTLE_ENDIAN, characterSetEncoder(charset))]),
    cancelled,
    sendPending: async (response) => onPending(response),
    connection: undefined as never,
  };
}

const byStation: DicomJsonDataset = { '00100010': { vr: 'PN' }, '00400100': { vr: 'SQ', Value: [{ '00400001': { vr: 'AE', Value: ['CT1'] }, '00400009': { vr: 'SH' } }] } };

describe('MwlScpService', () => {
  it('answers every match with a pending response in the requested character set, then success', async () => {
    const service = new MwlScpService(new MwlFindUseCase(await storeWith(3)), new DimseAudit(loadConfig({}), silentLogger), silentLogger);
    const responses: DimseResponse[] = [];
    const final = await service.handle(request(byStation, new AbortController().signal, (r) => responses.push(r), ['', 'ISO 2022 IR 87']), 'default');
    expect(final.command.status).toBe(DimseStatus.Success);
    expect(responses.map((r) => r.command.status)).toEqual([DimseStatus.Pending, DimseStatus.Pending, DimseStatus.Pending]);
    const first = await readDataSet(Readable.from([responses[0]?.dataSet as Buffer]), '1.2.840.10008.1.2.1');
    expect(first).toEqual({
      // An empty first value reads back as null (PS3.18 F.2.5).
      '00080005': { vr: 'CS', Value: [null, 'ISO 2022 IR 87'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎' }] },
      '00400100': { vr: 'SQ', Value: [{ '00400001': { vr: 'AE', Value: ['CT1'] }, '00400009': { vr: 'SH', Value: ['S1'] } }] },
    });
  });

  it('answers in UTF-8 when the request names no character set that can carry the names', async () => {
    const service = new MwlScpService(new MwlFindUseCase(await storeWith(1)), new DimseAudit(loadConfig({}), silentLogger), silentLogger);
    const responses: DimseResponse[] = [];
    await service.handle(request(byStation, new AbortController().signal, (r) => responses.push(r)), 'default');
    const first = await readDataSet(Readable.from([responses[0]?.dataSet as Buffer]), '1.2.840.10008.1.2.1');
    expect(first['00080005']).toEqual({ vr: 'CS', Value: ['ISO_IR 192'] });
  });

  it('stops answering when the request is cancelled, and ends with Cancel (FE00)', async () => {
    const service = new MwlScpService(new MwlFindUseCase(await storeWith(40)), new DimseAudit(loadConfig({}), silentLogger), silentLogger);
    const cancel = new AbortController();
    let pending = 0;
    const final = await service.handle(
      request(byStation, cancel.signal, () => {
        pending += 1;
        if (pending === 3) cancel.abort();
      }),
      'default',
    );
    expect(final.command.status).toBe(DimseStatus.Cancel);
    expect(pending).toBe(3);
  });

  it('refuses an identifier it cannot serve with A900 and the reason', async () => {
    const service = new MwlScpService(new MwlFindUseCase(await storeWith(1)), new DimseAudit(loadConfig({}), silentLogger), silentLogger);
    const bad = { '00400100': { vr: 'SQ' as const, Value: [{ '00400002': { vr: 'DA' as const, Value: ['2024030'] } }] } };
    const final = await service.handle(request(bad, new AbortController().signal, () => undefined), 'default');
    expect(final.command).toMatchObject({ status: DimseStatus.DataSetDoesNotMatchSopClass, errorComment: expect.stringMatching(/"2024030" is not a valid DA value/) });
  });

  it('answers C001 when the worklist cannot be read', async () => {
    const broken: WorklistStore = Object.assign(new MemoryWorklistStore(), { search: async () => Promise.reject(new Error('database gone')) });
    const service = new MwlScpService(new MwlFindUseCase(broken), new DimseAudit(loadConfig({}), silentLogger), silentLogger);
    const final = await service.handle(request(byStation, new AbortController().signal, () => undefined), 'default');
    expect(final.command).toMatchObject({ status: DimseStatus.UnableToProcess, errorComment: 'Unable to process: database gone' });
  });
});
