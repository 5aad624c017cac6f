import { AuditErrorCode } from './audit-error';
import { SAMPLE_EVENTS } from './audit-event.samples';
import { AuditTrail } from './audit-trail';
import { MemoryAuditForwarder } from './memory-audit-forwarder.adapter';
import { MemoryAuditStore } from './memory-audit-store.adapter';

const source = { auditSourceId: 'tessera@pacs1' };
const now = () => new Date('2026-11-22T10:15:30.123Z');

describe('AuditTrail.record', () => {
  it('forwards the message and stores it in its tenant chain, searchable by its participants', async () => {
    const store = new MemoryAuditStore();
    const forwarder = new MemoryAuditForwarder();
    const trail = new AuditTrail(store, forwarder, { source, now, newId: () => '00000000-0000-4000-8000-000000000001' });
    const record = await trail.record(SAMPLE_EVENTS['instances accessed (read)']);
    expect(record).toMatchObject({ chain: 'hosp-a', sequence: 1, tenant: 'hosp-a', recordId: '00000000-0000-4000-8000-000000000001', eventType: '110103', action: 'R', eventTime: '2026-11-22T10:15:30.123Z' });
    expect(forwarder.forwarded.map((m) => m.xml)).toEqual([record.message]);
    expect(await store.search({ patientId: 'PAT-0001', userId: 'dr.smith@example.org', limit: 10 })).toEqual([record]);
    await trail.record(SAMPLE_EVENTS['application start']);
    expect(await store.verify(null)).toMatchObject({ ok: true, length: 1 });
  });

  it('records nothing when the event is invalid or the spool refuses it', async () => {
    const store = new MemoryAuditStore();
    const forwarder = new MemoryAuditForwarder();
    const trail = new AuditTrail(store, forwarder, { source, now });
    await expect(trail.record({ type: 'study-deleted', actors: [], study: { studyInstanceUID: '1.2' }, patient: { id: 'P' } })).rejects.toMatchObject({ code: AuditErrorCode.InvalidEvent });
    forwarder.failure = Object.assign(new Error('disk full'), { code: AuditErrorCode.SpoolUnavailable });
    await expect(trail.record(SAMPLE_EVENTS['user logout'])).rejects.toThrow('disk full');
    expect(await store.search({ limit: 10 })).toEqual([]);
    expect(forwarder.forwarded).toEqual([]);
  });

  it('stores without forwarding when no collector is configured', async () => {
    const store = new MemoryAuditStore();
    await new AuditTrail(store, undefined, { source, now }).record(SAMPLE_EVENTS['user logout']);
    expect(await store.verify('hosp-a')).toMatchObject({ ok: true, length: 1 });
  });
});
