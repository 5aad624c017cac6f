import { MemoryAeRegistry } from '@tessera/ae-registry';
import { MemoryBlobStore } from '@tessera/blob-store';
import { MemoryObjectCatalog } from '@tessera/catalog';
import { MemoryCommitmentStore, type CommitmentRequest } from '@tessera/commitment';
import { CommandField, DatasetParser, DicomJsonBuilder, DimseStatus, lookupTransferSyntax, type AcceptedContext, type DicomJsonDataset, type DimseConnection, type DimseMessage } from '@tessera/dicom';
import { silentLogger } from '@tessera/telemetry';
import { createHash } from 'node:crypto';
import { COMMITMENT_RETENTION_DAYS, FailureReason, STORAGE_COMMITMENT_PUSH_MODEL, StorageCommitmentUseCase } from './storage-commitment.use-case';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const MR = '1.2.840.10008.5.1.4.1.1.4';
const EXPLICIT = '1.2.840.10008.1.2.1';
const CONTEXT: AcceptedContext = { id: 1, abstractSyntax: STORAGE_COMMITMENT_PUSH_MODEL, transferSyntax: EXPLICIT };

interface Sent {
  eventTypeId?: number;
  information: DicomJsonDataset;
}

/** A peer association that records the N-EVENT-REPORTs it gets and answers them with `status`. */
function peer(status: number, open = true): DimseConnection & { sent: Sent[]; released: boolean } {
  const fake = {
    sent: [] as Sent[],
    released: false,
    isOpen: open,
    contextFor: () => CONTEXT,
    async *request(_context: AcceptedContext, command: { eventTypeId?: number }, dataSet: Buffer): AsyncGenerator<DimseMessage> {
      const builder = new DicomJsonBuilder(() => '');
      const parser = new DatasetParser(lookupTransferSyntax(EXPLICIT) as NonNullable<ReturnType<typeof lookupTransferSyntax>>, builder);
      parser.push(dataSet);
      parser.end();
      fake.sent.push({ ...(command.eventTypeId !== undefined ? { eventTypeId: command.eventTypeId } : {}), information: builder.dataset });
      yield { context: CONTEXT, command: { commandField: CommandField.NEventReportRSP, status, hasDataSet: false } };
    },
    async release() {
      fake.released = true;
    },
  };
  return fake as unknown as DimseConnection & { sent: Sent[]; released: boolean };
}

const uids = (items: unknown): unknown => (items as DicomJsonDataset[] | undefined)?.map((i) => [i['00081155']?.Value?.[0], i['00081197']?.Value?.[0]]);

async function setUp() {
  const store = new MemoryCommitmentStore();
  const catalog = new MemoryObjectCatalog();
  const blobs = new MemoryBlobStore();
  const aes = new MemoryAeRegistry();
  const outbound = { associations: [] as ReturnType<typeof peer>[], next: (): ReturnType<typeof peer> | Error => peer(DimseStatus.Success) };
  const object = async (uid: string, sopClassUID: string, body: Buffer, digestOf = body) => {
    blobs.objects.set(`obj/${uid}`, Buffer.concat([Buffer.alloc(10), body]));
    await catalog.record(
      { tenant: 'default', sopInstanceUID: uid, studyInstanceUID: '1', seriesInstanceUID: '1.1', sopClassUID, transferSyntaxUID: EXPLICIT, objectKey: `obj/${uid}`, sizeBytes: body.length + 10, datasetOffset: 10, datasetSha256: createHash('sha256').update(digestOf).digest('hex'), storedAt: new Date() },
      [],
    );
  };
  await object('1.1.1', CT, Buffer.from('first'));
  await object('1.1.2', CT, Buffer.from('second'));
  await object('1.1.3', CT, Buffer.from('changed on disk'), Buffer.from('as stored'));
  await aes.put({ tenant: 'default', aeTitle: 'CT1', host: '127.0.0.1', port: 104, tls: false, description: '', allowedOperations: ['STORE', 'COMMIT'], moveDestinations: [] });
  const commitments = new StorageCommitmentUseCase(
    store,
    catalog,
    blobs,
    aes,
    {
      associate: async () => {
        const next = outbound.next();
        if (next instanceof Error) throw next;
        outbound.associations.push(next);
        return next;
      },
    },
    silentLogger,
    { leaseMs: 60_000, retryDelaysMs: [0] },
  );
  return { store, commitments, outbound };
}

const request = (references: [string, string][], requestingAETitle = 'CT1'): CommitmentRequest => ({
  tenant: 'default',
  transactionUID: '9.9',
  requestingAETitle,
  calledAETitle: 'TESSERA',
  references: references.map(([sopClassUID, sopInstanceUID]) => ({ sopClassUID, sopInstanceUID })),
});

describe('StorageCommitmentUseCase', () => {
  it('commits only instances that are stored, of the stated class, with bytes that still match their digest', async () => {
    const { commitments } = await setUp();
    const result = await commitments.verify(request([[CT, '1.1.1'], [CT, '1.1.9'], [MR, '1.1.2'], [CT, '1.1.3']]));
    expect(result.committed.map((r) => r.sopInstanceUID)).toEqual(['1.1.1']);
    expect(result.failed.map((f) => [f.sopInstanceUID, f.failureReason])).toEqual([
      ['1.1.9', FailureReason.NoSuchObjectInstance],
      ['1.1.2', FailureReason.ClassInstanceConflict],
      ['1.1.3', FailureReason.ProcessingFailure],
    ]);
  });

  it('reports on the requesting association while it is open: event type 1 when all are committed', async () => {
    const { commitments, store, outbound } = await setUp();
    const association = peer(DimseStatus.Success);
    await commitments.accept(request([[CT, '1.1.1'], [CT, '1.1.2']]));
    await commitments.settle(request([[CT, '1.1.1'], [CT, '1.1.2']]), { connection: association, context: CONTEXT });
    expect(association.sent).toHaveLength(1);
    expect(association.sent[0]?.eventTypeId).toBe(1);
    expect(association.sent[0]?.information['00081195']?.Value).toEqual(['9.9']);
    expect(uids(association.sent[0]?.information['00081199']?.Value)).toEqual([['1.1.1', undefined], ['1.1.2', undefined]]);
    expect(association.sent[0]?.information['00081198']).toBeUndefined();
    expect(outbound.associations).toHaveLength(0);
    expect(await store.find('default', '9.9')).toMatchObject({ state: 'reported', attempts: 1 });
  });

  it('reports on a new association, with Tessera as SCP, once the requester has gone: event type 2 with the failures', async () => {
    const { commitments, store, outbound } = await setUp();
    const gone = peer(DimseStatus.Success, false);
    await commitments.accept(request([[CT, '1.1.1'], [CT, '1.1.9']]));
    await commitments.settle(request([[CT, '1.1.1'], [CT, '1.1.9']]), { connection: gone, context: CONTEXT });
    expect(gone.sent).toHaveLength(0);
    const [fresh] = outbound.associations;
    expect(fresh?.sent[0]?.eventTypeId).toBe(2);
    expect(uids(fresh?.sent[0]?.information['00081199']?.Value)).toEqual([['1.1.1', undefined]]);
    expect(uids(fresh?.sent[0]?.information['00081198']?.Value)).toEqual([['1.1.9', FailureReason.NoSuchObjectInstance]]);
    expect(fresh?.released).toBe(true);
    expect(await store.find('default', '9.9')).toMatchObject({ state: 'reported' });
  });

  it('keeps an undelivered report for a retry with the same result, and abandons it after the last', async () => {
    const { commitments, store, outbound } = await setUp();
    outbound.next = () => new Error('connection refused');
    await commitments.accept(request([[CT, '1.1.1']]));
    await commitments.settle(request([[CT, '1.1.1']]));
    expect(await store.find('default', '9.9')).toMatchObject({ state: 'pending', attempts: 1, lastError: 'connection refused', result: { committed: [{ sopClassUID: CT, sopInstanceUID: '1.1.1' }], failed: [] } });
    // The retry is due at once (retryDelaysMs [0]); it fails again, and there is no further delay.
    expect(await commitments.sweep()).toBe(1);
    expect(await store.find('default', '9.9')).toMatchObject({ state: 'abandoned', attempts: 2 });
  });

  it('delivers on a retry that the requester answers, and fails a report the requester refuses', async () => {
    const { commitments, store, outbound } = await setUp();
    outbound.next = () => new Error('connection refused');
    await commitments.accept(request([[CT, '1.1.1']]));
    await commitments.settle(request([[CT, '1.1.1']]));
    outbound.next = () => peer(DimseStatus.Success);
    expect(await commitments.sweep()).toBe(1);
    expect(await store.find('default', '9.9')).toMatchObject({ state: 'reported', attempts: 2 });

    outbound.next = () => peer(0x0110);
    await commitments.accept({ ...request([[CT, '1.1.2']]), transactionUID: '9.10' });
    await commitments.settle({ ...request([[CT, '1.1.2']]), transactionUID: '9.10' });
    expect(await store.find('default', '9.10')).toMatchObject({ state: 'pending', lastError: 'the requester answered the N-EVENT-REPORT with status 0x0110' });
  });

  it(`forgets a reported request after ${COMMITMENT_RETENTION_DAYS} days`, async () => {
    // Only the clock is faked: the use case and the store read Date.
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'setInterval', 'setImmediate', 'nextTick', 'queueMicrotask', 'hrtime', 'performance'] });
    try {
      const start = new Date('2026-01-01T00:00:00Z');
      jest.setSystemTime(start);
      const { commitments, store } = await setUp();
      await commitments.accept(request([[CT, '1.1.1']]));
      await commitments.settle(request([[CT, '1.1.1']]));
      expect(await store.find('default', '9.9')).toMatchObject({ state: 'reported' });
      jest.setSystemTime(new Date(start.getTime() + (COMMITMENT_RETENTION_DAYS - 1) * 86_400_000));
      await commitments.sweep();
      expect(await store.find('default', '9.9')).toBeDefined();
      jest.setSystemTime(new Date(start.getTime() + (COMMITMENT_RETENTION_DAYS + 1) * 86_400_000));
      await commitments.sweep();
      expect(await store.find('default', '9.9')).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('cannot deliver to a requester the tenant has not registered, and says so', async () => {
    const { commitments, store } = await setUp();
    await commitments.accept(request([[CT, '1.1.1']], 'UNKNOWN'));
    await commitments.settle(request([[CT, '1.1.1']], 'UNKNOWN'));
    expect((await store.find('default', '9.9'))?.lastError).toMatch(/UNKNOWN is not a registered AE of tenant default/);
  });
});
