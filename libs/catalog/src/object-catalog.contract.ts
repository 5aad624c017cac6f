import type { OutboxEntry } from '@tessera/outbox';
import type { ObjectCatalog, StoredObject } from './object-catalog.port';

function object(tenant: string, sop: string, series = '1.2.9.1', digest = 'a'): StoredObject {
  return {
    tenant,
    sopInstanceUID: sop,
    studyInstanceUID: '1.2.9',
    seriesInstanceUID: series,
    sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
    transferSyntaxUID: '1.2.840.10008.1.2.1',
    objectKey: `${tenant}/1.2.9/${series}/${sop}/${Math.random().toString(36).slice(2)}.dcm`,
    sizeBytes: 1234,
    datasetOffset: 200,
    datasetSha256: digest.repeat(64),
    storedAt: new Date('2025-01-02T03:04:05.000Z'),
  };
}

function event(sop: string): OutboxEntry {
  return {
    eventId: '00000000-0000-4000-8000-' + sop.replace(/\D/g, '').padStart(12, '0').slice(-12),
    topic: 'tessera.instances',
    key: 'default/1.2.9',
    envelope: { id: 'x', type: 'instance.stored.v1', tenant: 'default', occurredAt: '2025-01-02T03:04:05.000Z', source: 'test', correlationId: 'c', data: { sop } },
    headers: { 'tessera-event-type': 'instance.stored.v1' },
  };
}

/** The behaviour every ObjectCatalog adapter must have (STYLE 10). */
export function describeObjectCatalogContract(name: string, create: () => Promise<{ catalog: ObjectCatalog; eventCount: () => Promise<number>; close: () => Promise<void> }>): void {
  describe(`ObjectCatalog contract: ${name}`, () => {
    let catalog: ObjectCatalog;
    let eventCount: () => Promise<number>;
    let close: () => Promise<void>;
    beforeAll(async () => ({ catalog, eventCount, close } = await create()));
    afterAll(async () => close());

    it('records an object with its events, and reports an existing SOP instance without writing', async () => {
      const first = object('default', '1.2.9.1.1');
      expect(await catalog.record(first, [event('1.2.9.1.1')])).toEqual({ kind: 'recorded' });
      expect(await eventCount()).toBe(1);
      const again = await catalog.record(object('default', '1.2.9.1.1', '1.2.9.1', 'b'), [event('1.2.9.1.99')]);
      expect(again).toEqual({ kind: 'exists', existing: first });
      expect(await eventCount()).toBe(1);
      expect(await catalog.find('default', '1.2.9.1.1')).toEqual(first);
    });

    it('lets exactly one of several concurrent records of one SOP instance win', async () => {
      const results = await Promise.all([1, 2, 3, 4].map((i) => catalog.record(object('default', '1.2.9.1.2'), [event(`1.2.9.1.2${i}`)])));
      expect(results.filter((r) => r.kind === 'recorded')).toHaveLength(1);
      expect(await eventCount()).toBe(2);
    });

    it('lists a study, a series or an instance in UID order, per tenant', async () => {
      await catalog.record(object('default', '1.2.9.2.1', '1.2.9.2'), []);
      await catalog.record(object('other', '1.2.9.1.1'), []);
      expect((await catalog.list('default', { study: '1.2.9' })).map((o) => o.sopInstanceUID)).toEqual(['1.2.9.1.1', '1.2.9.1.2', '1.2.9.2.1']);
      expect((await catalog.list('default', { study: '1.2.9', series: '1.2.9.2' })).map((o) => o.sopInstanceUID)).toEqual(['1.2.9.2.1']);
      expect((await catalog.list('default', { study: '1.2.9', series: '1.2.9.1', instance: '1.2.9.1.2' })).map((o) => o.sopInstanceUID)).toEqual(['1.2.9.1.2']);
      expect((await catalog.list('other', { study: '1.2.9' })).map((o) => o.tenant)).toEqual(['other']);
      expect(await catalog.find('nobody', '1.2.9.1.1')).toBeUndefined();
    });

    it('keeps a frame index with the object, or one saved later, per tenant', async () => {
      const indexed = object('default', '1.2.9.3.1', '1.2.9.3');
      const index = Buffer.from([1, 2, 0, 255, ...Array.from({ length: 800 }, (_, i) => i % 256)]);
      await catalog.record(indexed, [], index);
      expect(await catalog.frameIndex(indexed)).toEqual(index);
      expect(await catalog.frameIndex({ ...indexed, tenant: 'other' })).toBeUndefined();
      expect(await catalog.find('default', '1.2.9.3.1')).toEqual(indexed);

      const older = object('default', '1.2.9.3.2', '1.2.9.3');
      await catalog.record(older, []);
      expect(await catalog.frameIndex(older)).toBeUndefined();
      await catalog.saveFrameIndex({ ...older, tenant: 'other' }, Buffer.from([9]));
      expect(await catalog.frameIndex(older)).toBeUndefined();
      await catalog.saveFrameIndex(older, Buffer.from([1, 0]));
      expect(await catalog.frameIndex(older)).toEqual(Buffer.from([1, 0]));
    });
  });
}
