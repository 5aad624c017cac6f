import { MemoryAeRegistry } from '@tessera/ae-registry';
import { MemoryBlobStore } from '@tessera/blob-store';
import { MemoryObjectCatalog } from '@tessera/catalog';
import {
  characterSetEncoder,
  CommandField,
  DatasetParser,
  DicomJsonBuilder,
  DimseStatus,
  encodeJsonDataset,
  EXPLICIT_VR_LITTLE_ENDIAN,
  type AcceptedContext,
  type DimseConnection,
  type DimseMessage,
  type DimseRequest,
} from '@tessera/dicom';
import { MemoryInstanceIndex } from '@tessera/index-store';
import { StoreScu } from '@tessera/store-scu';
import { silentLogger } from '@tessera/telemetry';
import { Readable } from 'node:stream';
import { MoveScpService } from './retrieve-scp.service';
import { RetrieveUseCase } from './retrieve.use-case';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const ELE = '1.2.840.10008.1.2.1';
const STUDY_ROOT_MOVE = '1.2.840.10008.5.1.4.1.2.2.2';

/** A destination that takes `accepted` C-STOREs, then drops the association. */
function destination(accepted: number): DimseConnection & { stored: number } {
  const context: AcceptedContext = { id: 1, abstractSyntax: CT, transferSyntax: ELE };
  const fake = {
    stored: 0,
    get isOpen() {
      return fake.stored < accepted;
    },
    contexts: new Map([[1, context]]),
    async *request(_c: AcceptedContext, _command: unknown, dataSet: Readable): AsyncGenerator<DimseMessage> {
      for await (const _chunk of dataSet) void _chunk;
      fake.stored += 1;
      yield { context, command: { commandField: CommandField.CStoreRSP, status: DimseStatus.Success, hasDataSet: false } };
    },
    async release() {},
  };
  return fake as unknown as DimseConnection & { stored: number };
}

async function service(peer: DimseConnection): Promise<MoveScpService> {
  const catalog = new MemoryObjectCatalog();
  const blobs = new MemoryBlobStore();
  for (let i = 1; i <= 5; i++) {
    blobs.objects.set(`k${i}`, Buffer.alloc(16, i));
    await catalog.record({ tenant: 'default', studyInstanceUID: '1.2', seriesInstanceUID: '1.2.1', sopInstanceUID: `1.2.1.${i}`, sopClassUID: CT, transferSyntaxUID: ELE, objectKey: `k${i}`, sizeBytes: 16, datasetOffset: 0, datasetSha256: '', storedAt: new Date() }, []);
  }
  const aes = new MemoryAeRegistry();
  await aes.put({ tenant: 'default', aeTitle: 'DEST', host: '127.0.0.1', port: 104, tls: false, description: '', allowedOperations: ['STORE'], moveDestinations: [] });
  return new MoveScpService(new RetrieveUseCase(catalog, new MemoryInstanceIndex()), aes, new StoreScu(blobs), { associate: async () => peer }, { sent: () => undefined }, silentLogger);
}

function move(): DimseRequest {
  const identifier = { '00080052': { vr: 'CS' as const, Value: ['STUDY'] }, '0020000D': { vr: 'UI' as const, Value: ['1.2'] } };
  return {
    association: { id: 'a', callingAETitle: 'SCU', calledAETitle: 'TESSERA', remoteAddress: '127.0.0.1', remotePort: 1, implementationClassUid: '1', peerMaxPduLength: 0, roleSelections: [] },
    context: { id: 1, abstractSyntax: STUDY_ROOT_MOVE, transferSyntax: ELE },
    command: { commandField: CommandField.CMoveRQ, messageId: 3, moveDestination: 'DEST', hasDataSet: true },
    dataSet: Readable.from([encodeJsonDataset(identifier, EXPLICIT_VR_LITTLE_ENDIAN, characterSetEncoder(undefined))]),
    cancelled: new AbortController().signal,
    sendPending: async () => undefined,
    connection: undefined as never,
  };
}

function failedList(dataSet: Buffer | undefined): unknown {
  const builder = new DicomJsonBuilder(() => '');
  const parser = new DatasetParser(EXPLICIT_VR_LITTLE_ENDIAN, builder);
  parser.push(dataSet ?? Buffer.alloc(0));
  parser.end();
  return builder.dataset['00080058']?.Value;
}

describe('MoveScpService', () => {
  it('moves every instance and succeeds', async () => {
    const peer = destination(5);
    const response = await (await service(peer)).handle(move(), 'default');
    expect(response.command).toMatchObject({ status: DimseStatus.Success, numberOfCompletedSuboperations: 5, numberOfFailedSuboperations: 0 });
    expect(peer.stored).toBe(5);
  });

  it('counts and lists as failed what it never sent when the destination drops the association part way', async () => {
    const response = await (await service(destination(2))).handle(move(), 'default');
    expect(response.command).toMatchObject({ status: DimseStatus.SubOperationsWithFailures, numberOfCompletedSuboperations: 2, numberOfFailedSuboperations: 3 });
    expect(failedList(response.dataSet)).toEqual(['1.2.1.3', '1.2.1.4', '1.2.1.5']);
  });
});
