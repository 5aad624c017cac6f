import { loadConfig } from '@tessera/config';
import { DimseAudit } from '@tessera/platform';
import { CommandField, DimseStatus, encodeJsonDataset, EXPLICIT_VR_LITTLE_ENDIAN, characterSetEncoder, type DimseRequest } from '@tessera/dicom';
import { MemoryInstanceIndex } from '@tessera/index-store';
import { silentLogger } from '@tessera/telemetry';
import { Readable } from 'node:stream';
import { FindScpService } from './find-scp.service';
import { FindUseCase } from './find.use-case';

const STUDY_ROOT = '1.2.840.10008.5.1.4.1.2.2.1';

async function indexWith(count: number): Promise<MemoryInstanceIndex> {
  const index = new MemoryInstanceIndex();
  for (let i = 1; i <= count; i++) {
    await index.index({
      tenant: 'default',
      studyInstanceUID: '1.2.3',
      seriesInstanceUID: '1.2.3.4',
      sopInstanceUID: `1.2.3.4.${i}`,
      sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
      transferSyntaxUID: '1.2.840.10008.1.2.1',
      objectKey: `k${i}`,
      sizeBytes: 1,
      datasetOffset: 0,
      datasetSha256: 'a'.repeat(64),
      storedAt: new Date(),
      metadata: { '00080018': { vr: 'UI', Value: [`1.2.3.4.${i}`] }, '0020000D': { vr: 'UI', Value: ['1.2.3'] }, '0020000E': { vr: 'UI', Value: ['1.2.3.4'] }, '00200013': { vr: 'IS', Value: [i] } },
    });
  }
  return index;
}

function request(identifier: Parameters<typeof encodeJsonDataset>[0], cancelled: AbortSignal, onPending: () => void, agreed?: Buffer): DimseRequest {
  return {
    association: {
      id: 'a',
      callingAETitle: 'SCU',
      calledAETitle: 'TESSERA',
      remoteAddress: '127.0.0.1',
      remotePort: 1,
      implementationClassUid: '1',
      peerMaxPduLength: 0,
      roleSelections: [],
      ...(agreed ? { extendedNegotiations: [{ sopClassUid: STUDY_ROOT, serviceClassApplicationInformation: agreed }] } : {}),
    },
    context: { id: 1, abstractSyntax: STUDY_ROOT, transferSyntax: '1.2.840.10008.1.2.1' },
    command: { commandField: CommandField.CFindRQ, messageId: 1, hasDataSet: true },
    dataSet: Readable.from([encodeJsonDataset(identifier, EXPLICIT_VR_LITTLE_ENDIAN, characterSetEncoder(undefined))]),
    cancelled,
    sendPending: async () => onPending(),
    connection: undefined as never,
  };
}

describe('FindScpService', () => {
  it('stops answering when the request is cancelled, and ends with Cancel (FE00)', async () => {
    const service = new FindScpService(new FindUseCase(await indexWith(50)), new DimseAudit(loadConfig({}), silentLogger), silentLogger);
    const cancel = new AbortController();
    let pending = 0;
    const identifier = { '00080052': { vr: 'CS' as const, Value: ['IMAGE'] }, '0020000D': { vr: 'UI' as const, Value: ['1.2.3'] }, '00080018': { vr: 'UI' as const } };
    const response = await service.handle(
      request(identifier, cancel.signal, () => {
        pending += 1;
        if (pending === 3) cancel.abort();
      }),
      'default',
    );
    expect(response.command.status).toBe(DimseStatus.Cancel);
    expect(pending).toBe(3);
  });

  it('agrees to relational queries and fuzzy person name matching where proposed, to nothing else (PS3.4 C.5.1.1.2)', async () => {
    const service = new FindScpService(new FindUseCase(await indexWith(0)), new DimseAudit(loadConfig({}), silentLogger), silentLogger);
    expect(service.answerExtendedNegotiation(STUDY_ROOT, Buffer.from([1, 1, 1, 1, 1, 1]))).toEqual(Buffer.from([1, 1, 1, 0, 0, 0]));
    expect(service.answerExtendedNegotiation(STUDY_ROOT, Buffer.from([0, 0, 1]))).toEqual(Buffer.from([0, 0, 1]));
    expect(service.answerExtendedNegotiation(STUDY_ROOT, Buffer.from([1]))).toEqual(Buffer.from([1]));
    expect(service.answerExtendedNegotiation(STUDY_ROOT, Buffer.alloc(0))).toBeUndefined();
  });

  it('matches person names fuzzily only on an association that agreed to it', async () => {
    const index = new MemoryInstanceIndex();
    await index.index({
      tenant: 'default',
      studyInstanceUID: '1.2.9',
      seriesInstanceUID: '1.2.9.1',
      sopInstanceUID: '1.2.9.1.1',
      sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
      transferSyntaxUID: '1.2.840.10008.1.2.1',
      objectKey: 'k',
      sizeBytes: 1,
      datasetOffset: 0,
      datasetSha256: 'a'.repeat(64),
      storedAt: new Date(),
      metadata: { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Hans' }] }, '00100020': { vr: 'LO', Value: ['P1'] }, '0020000D': { vr: 'UI', Value: ['1.2.9'] } },
    });
    const service = new FindScpService(new FindUseCase(index), new DimseAudit(loadConfig({}), silentLogger), silentLogger);
    const identifier = { '00080052': { vr: 'CS' as const, Value: ['STUDY'] }, '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: 'hans muller' }] }, '0020000D': { vr: 'UI' as const } };
    const matches = async (agreed?: Buffer) => {
      let pending = 0;
      await service.handle(request(identifier, new AbortController().signal, () => (pending += 1), agreed), 'default');
      return pending;
    };
    expect(await matches(Buffer.from([1, 0, 1]))).toBe(1);
    expect(await matches(Buffer.from([1, 0, 0]))).toBe(0);
    expect(await matches()).toBe(0);
  });

  it('matches a date range and a time range as one span only on an association that agreed to it (PS3.4 C.2.2.2.5)', async () => {
    const index = new MemoryInstanceIndex();
    const at = async (study: string, date: string, time: string): Promise<void> => {
      await index.index({
        tenant: 'default',
        studyInstanceUID: study,
        seriesInstanceUID: `${study}.1`,
        sopInstanceUID: `${study}.1.1`,
        sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
        transferSyntaxUID: '1.2.840.10008.1.2.1',
        objectKey: study,
        sizeBytes: 1,
        datasetOffset: 0,
        datasetSha256: 'a'.repeat(64),
        storedAt: new Date(),
        metadata: { '0020000D': { vr: 'UI', Value: [study] }, '00080020': { vr: 'DA', Value: [date] }, '00080030': { vr: 'TM', Value: [time] } },
      });
    };
    await at('1.1', '20241231', '200000'); // in the night's span
    await at('1.2', '20250101', '060000'); // in the night's span
    await at('1.3', '20250101', '200000'); // after it
    await at('1.4', '20241231', '060000'); // before it
    const service = new FindScpService(new FindUseCase(index), new DimseAudit(loadConfig({}), silentLogger), silentLogger);
    // From 31 December 18:00 to 1 January 08:00.
    const identifier = { '00080052': { vr: 'CS' as const, Value: ['STUDY'] }, '00080020': { vr: 'DA' as const, Value: ['20241231-20250101'] }, '00080030': { vr: 'TM' as const, Value: ['180000-080000'] }, '0020000D': { vr: 'UI' as const } };
    const matches = async (agreed?: Buffer) => {
      let pending = 0;
      const response = await service.handle(request(identifier, new AbortController().signal, () => (pending += 1), agreed), 'default');
      expect(response.command.status).toBe(DimseStatus.Success);
      return pending;
    };
    expect(await matches(Buffer.from([0, 1]))).toBe(2);
    // Each on its own: no time is both after 18:00 and before 08:00.
    expect(await matches(Buffer.from([1, 0, 1]))).toBe(0);
  });

  it('answers every match with a pending response, then success', async () => {
    const service = new FindScpService(new FindUseCase(await indexWith(7)), new DimseAudit(loadConfig({}), silentLogger), silentLogger);
    let pending = 0;
    const identifier = { '00080052': { vr: 'CS' as const, Value: ['IMAGE'] }, '00200013': { vr: 'IS' as const, Value: [] } };
    const response = await service.handle(request(identifier, new AbortController().signal, () => (pending += 1)), 'default');
    expect(response.command.status).toBe(DimseStatus.Success);
    expect(pending).toBe(7);
  });
});
