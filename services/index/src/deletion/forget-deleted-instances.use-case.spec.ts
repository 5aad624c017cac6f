import { PermanentError, type IncomingMessage } from '@tessera/bus';
import { InstancesDeletedV1 } from '@tessera/contracts';
import { MemoryInstanceDeletion, MemoryPatientErasure } from '@tessera/erasure';
import { outboxEntry, type OutboxEntry } from '@tessera/outbox';
import { silentLogger } from '@tessera/telemetry';
import { ForgetDeletedInstancesUseCase } from './forget-deleted-instances.use-case';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const P1 = { patientID: 'P1', issuerOfPatientID: '' };
const record = (sop: string) => ({ tenant: 'default', patient: P1, studyInstanceUID: '1.2.3', seriesInstanceUID: '1.2.3.1', sopInstanceUID: sop, sopClassUID: CT, objectKey: `default/1.2.3/1.2.3.1/${sop}/v1.dcm` });

// As the bus hands an outbox entry to a consumer.
function delivered(entry: OutboxEntry): IncomingMessage {
  return { topic: entry.topic, partition: 0, offset: '0', key: entry.key, value: Buffer.from(JSON.stringify(entry.envelope)), headers: { ...entry.headers } };
}

describe('ForgetDeletedInstancesUseCase', () => {
  it('forgets an instance indexed after its deletion, from the instances.deleted.v1 that follows, and skips other events', async () => {
    const store = new MemoryInstanceDeletion(new MemoryPatientErasure());
    store.addInstance(record('1.2.3.1.1'));
    store.addInstance(record('1.2.3.1.2'));
    await store.deleteInstances({ id: '00000000-0000-4000-8000-000000000001', tenant: 'default', scope: { study: '1.2.3', series: '1.2.3.1' }, requestedBy: { userId: 'a', isRequestor: true }, at: new Date(), purgeAfter: new Date() }, (d) => [
      outboxEntry(InstancesDeletedV1, { tenant: 'default', source: 'test', correlationId: 'c' }, { deletionId: d.id, studyInstanceUID: '1.2.3', scope: 'series', series: d.series.map((s) => ({ ...s, sopInstanceUIDs: [...s.sopInstanceUIDs] })), studyDeleted: true, purgeAfter: new Date().toISOString() }, new Date()),
    ]);
    // The indexer took in the stored event of one of them only now.
    store.addUncataloged(record('1.2.3.1.2'));
    expect(store.remaining('default', '1.2.3')).toEqual(['1.2.3.1.2']);

    const forget = new ForgetDeletedInstancesUseCase(store, silentLogger);
    const other = delivered({ ...(store.events[0] as OutboxEntry), envelope: { ...(store.events[0] as OutboxEntry).envelope, type: 'study.stable.v1' } });
    expect(await forget.handle([other, delivered(store.events[0] as OutboxEntry)])).toBe(1);
    expect(store.remaining('default', '1.2.3')).toEqual([]);
    // Redelivered: nothing left to forget.
    expect(await forget.handle([delivered(store.events[0] as OutboxEntry)])).toBe(0);
  });

  it('dead-letters a deletion event that breaks its schema', async () => {
    const forget = new ForgetDeletedInstancesUseCase(new MemoryInstanceDeletion(new MemoryPatientErasure()), silentLogger);
    const broken: IncomingMessage = { topic: 'tessera.instances', partition: 0, offset: '0', key: 'default/1.2.3', value: Buffer.from(JSON.stringify({ id: '00000000-0000-4000-8000-000000000002', type: 'instances.deleted.v1', tenant: 'default', occurredAt: '2026-11-22T10:00:00.000Z', source: 'test', correlationId: 'c', data: { studyInstanceUID: 'x' } })), headers: {} };
    await expect(forget.handle([broken])).rejects.toBeInstanceOf(PermanentError);
  });
});
