import { PermanentError, type IncomingMessage } from '@tessera/bus';
import { MemoryInstanceIndex } from '@tessera/index-store';
import { createLogger, silentLogger } from '@tessera/telemetry';
import { IndexInstanceUseCase } from './index-instance.use-case';

const STUDY = '1.2.826.0.1.3680043.10.1138.60';

function stored(sop: string, type = 'instance.stored.v1'): IncomingMessage {
  const data = {
    studyInstanceUID: STUDY,
    seriesInstanceUID: `${STUDY}.1`,
    sopInstanceUID: sop,
    sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
    transferSyntaxUID: '1.2.840.10008.1.2.1',
    objectKey: `default/${STUDY}/${STUDY}.1/${sop}/a.dcm`,
    sizeBytes: 1000,
    datasetOffset: 200,
    datasetSha256: 'c'.repeat(64),
    storedAt: '2026-11-22T10:00:00.000Z',
    receivedVia: { protocol: 'DIMSE', callingAETitle: 'CT01' },
    metadata: { '00080018': { vr: 'UI', Value: [sop] }, '0020000D': { vr: 'UI', Value: [STUDY] }, '0020000E': { vr: 'UI', Value: [`${STUDY}.1`] } },
  };
  const envelope = { id: '00000000-0000-4000-8000-000000000060', type, tenant: 'default', occurredAt: '2026-11-22T10:00:00.000Z', source: 'test', correlationId: 'c', data };
  return { topic: 'tessera.instances', partition: 0, offset: '0', key: `default/${STUDY}`, value: Buffer.from(JSON.stringify(envelope)), headers: {} };
}

describe('indexing instance.stored events', () => {
  it('indexes a batch as one by one would, skipping types the index does not use', async () => {
    const index = new MemoryInstanceIndex();
    const useCase = new IndexInstanceUseCase(index, silentLogger);
    expect(await useCase.handleMany([stored(`${STUDY}.1.1`), stored(`${STUDY}.1.9`, 'instance.archived.v7'), stored(`${STUDY}.1.2`), stored(`${STUDY}.1.1`)])).toEqual(['indexed', 'skipped', 'indexed', 'unchanged']);
    expect((await index.metadata('default', { study: STUDY })).length).toBe(2);
    expect(await useCase.handle(stored(`${STUDY}.1.2`))).toBe('unchanged');
  });

  it('says so in the log when an instance is not indexed because an erasure of its patient claimed its object', async () => {
    const index = new MemoryInstanceIndex();
    index.indexMany = async (instances) => instances.map((i) => (i.sopInstanceUID.endsWith('.2') ? 'erased' : 'indexed'));
    const lines: string[] = [];
    const useCase = new IndexInstanceUseCase(index, createLogger({ level: 'info', format: 'json', write: (line) => lines.push(line) }));
    expect(await useCase.handleMany([stored(`${STUDY}.1.1`), stored(`${STUDY}.1.2`)])).toEqual(['indexed', 'erased']);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([expect.objectContaining({ msg: 'instance of an erased patient not indexed', tenant: 'default', sopInstanceUID: `${STUDY}.1.2` })]);
  });

  it('refuses a batch with an unreadable message as a whole, so that the bus hands the messages over one by one', async () => {
    const index = new MemoryInstanceIndex();
    const useCase = new IndexInstanceUseCase(index, silentLogger);
    const broken = { ...stored(`${STUDY}.1.3`), value: Buffer.from('{"type":"instance.stored.v1"') };
    await expect(useCase.handleMany([stored(`${STUDY}.1.1`), broken])).rejects.toThrow(PermanentError);
    expect(await index.metadata('default', { study: STUDY })).toEqual([]);
  });
});
