import type { LocalZone } from '@tessera/fhir';
import { TypeormHl7Store } from '@tessera/hl7-store';
import { TypeormFhirIndex, TypeormInstanceIndex } from '@tessera/index-store';
import { createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { TypeormWorklistStore } from '@tessera/worklist';
import { ReadServiceRequestUseCase } from './read-service-request.use-case';
import { ReceiveServiceRequestUseCase } from './receive-service-request.use-case';

const UTC: LocalZone = { offsetAt: () => '+00:00', local: (m) => ({ date: m.toISOString().slice(0, 10).replace(/-/g, ''), time: m.toISOString().slice(11, 19).replace(/:/g, '') }) };
const order = (accession: string) => ({
  resourceType: 'ServiceRequest',
  status: 'active',
  intent: 'order',
  identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] }, value: accession }],
  code: { coding: [{ system: 'http://loinc.org', code: '24627-2', display: 'CT Chest' }] },
  orderDetail: [{ coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }] }],
  subject: { reference: 'Patient/1' },
  occurrenceDateTime: '2026-11-22T10:30:00Z',
  performer: [{ identifier: { system: 'urn:tessera:ae-title', value: 'CT1' } }],
});

describe('ServiceRequest on PostgreSQL: durable with its events before the answer, nothing when the commit fails', () => {
  let t: TestDatabase;
  let receive: ReceiveServiceRequestUseCase;
  let read: ReadServiceRequestUseCase;
  const count = async (sql: string): Promise<number> => Number(((await t.db.dataSource.query(sql)) as { n: string }[])[0]?.n);

  beforeAll(async () => {
    t = await createPostgresTestDatabase();
    const metadata = { '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: 'Everyman^Adam' }] }, '00100020': { vr: 'LO' as const, Value: ['P-1'] }, '0020000D': { vr: 'UI' as const, Value: ['1.2.9'] }, '0020000E': { vr: 'UI' as const, Value: ['1.2.9.1'] } };
    await new TypeormInstanceIndex(t.db).index({ tenant: 'default', studyInstanceUID: '1.2.9', seriesInstanceUID: '1.2.9.1', sopInstanceUID: '1.2.9.1.1', sopClassUID: '1.2.840.10008.5.1.4.1.1.2', transferSyntaxUID: '1.2.840.10008.1.2.1', objectKey: 'k', sizeBytes: 1, datasetOffset: 0, datasetSha256: 'a'.repeat(64), storedAt: new Date(0), metadata });
    const index = new TypeormFhirIndex(t.db);
    receive = new ReceiveServiceRequestUseCase(new TypeormHl7Store(t.db), index, () => undefined, { source: 'hl7@test', now: () => new Date(), ids: { studyInstanceUID: () => '2.25.7', scheduledProcedureStepID: () => 'X' }, zone: UTC });
    read = new ReadServiceRequestUseCase(new TypeormHl7Store(t.db), new TypeormWorklistStore(t.db), index, UTC);
  });
  afterAll(async () => t.drop());

  it('keeps the order, its worklist item and both events once create resolves, and reads it back', async () => {
    expect(await receive.execute({ tenant: 'default', interaction: 'create', body: order('ACC-1'), caller: 'ris', correlationId: 'r1' })).toEqual({ ok: true, id: 'ACC-1', created: true });
    expect(await count("SELECT count(*) AS n FROM imaging_order WHERE accession_number = 'ACC-1'")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM worklist_item WHERE study_instance_uid = '2.25.7'")).toBe(1);
    expect(((await t.db.dataSource.query("SELECT envelope->>'type' AS type FROM outbox_event ORDER BY 1")) as { type: string }[]).map((r) => r.type)).toEqual(['fhir.resource.received.v1', 'order.placed.v1']);
    expect(await read.execute('default', 'ACC-1')).toMatchObject({ ok: true, value: { id: 'ACC-1', status: 'active', subject: { reference: 'Patient/1' }, code: { coding: [{ system: 'http://loinc.org', code: '24627-2' }] } } });
  });

  it('rejects, and leaves no order, item or event, when the database refuses the commit', async () => {
    const events = await count('SELECT count(*) AS n FROM outbox_event');
    await t.db.dataSource.query(`
      CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$;
      CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON imaging_order DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit();
    `);
    await expect(receive.execute({ tenant: 'default', interaction: 'create', body: order('ACC-2'), caller: 'ris', correlationId: 'r2' })).rejects.toThrow('commit refused by the test');
    expect(await count("SELECT count(*) AS n FROM imaging_order WHERE accession_number = 'ACC-2'")).toBe(0);
    expect(await count('SELECT count(*) AS n FROM worklist_item')).toBe(1);
    expect(await count('SELECT count(*) AS n FROM outbox_event')).toBe(events);
    await t.db.dataSource.query('DROP TRIGGER refuse_commit ON imaging_order');
  });
});
