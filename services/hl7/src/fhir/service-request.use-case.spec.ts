import type { DicomJsonDataset } from '@tessera/dicom';
import type { LocalZone } from '@tessera/fhir';
import { MemoryHl7Store } from '@tessera/hl7-store';
import { MemoryFhirIndex } from '@tessera/index-store';
import { MemoryWorklistStore } from '@tessera/worklist';
import { ReadServiceRequestUseCase } from './read-service-request.use-case';
import { ReceiveServiceRequestUseCase, type ReceiveServiceRequestCommand } from './receive-service-request.use-case';

const UTC: LocalZone = { offsetAt: () => '+00:00', local: (m) => ({ date: m.toISOString().slice(0, 10).replace(/-/g, ''), time: m.toISOString().slice(11, 19).replace(/:/g, '') }) };
const ACSN = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] };
const PATIENT = { patientID: 'P-1', issuerOfPatientID: 'HOSP' };
const PATIENT_ATTRIBUTES: DicomJsonDataset = { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Everyman^Adam' }] }, '00100020': { vr: 'LO', Value: ['P-1'] }, '00100021': { vr: 'LO', Value: ['HOSP'] } };

const order = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'ServiceRequest',
  status: 'active',
  intent: 'order',
  identifier: [{ type: ACSN, value: 'ACC_1' }],
  code: { text: 'CT chest' },
  orderDetail: [{ coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }] }],
  subject: { reference: 'Patient/1' },
  occurrenceDateTime: '2026-11-22T10:30:00Z',
  performer: [{ identifier: { system: 'urn:tessera:ae-title', value: 'CT1' } }],
  ...overrides,
});

describe('ServiceRequest create, update and read: the effect of order messages', () => {
  let store: MemoryHl7Store;
  let index: MemoryFhirIndex;
  let receive: ReceiveServiceRequestUseCase;
  let notified: number;
  const send = (body: unknown, interaction: 'create' | 'update' = 'create', id?: string) =>
    receive.execute({ tenant: 'default', interaction, ...(id !== undefined ? { id } : {}), body, caller: 'ris-client', correlationId: `req-${notified}` } satisfies ReceiveServiceRequestCommand);
  const types = () => store.state.events.map((e) => e.envelope.type);
  const received = () => store.state.events.filter((e) => e.envelope.type === 'fhir.resource.received.v1').map((e) => e.envelope.data);
  const step = (): DicomJsonDataset => ([...store.state.worklist.values()][0]?.attributes['00400100']?.Value?.[0] ?? {}) as DicomJsonDataset;

  beforeEach(() => {
    store = new MemoryHl7Store();
    index = new MemoryFhirIndex();
    notified = 0;
    // The patient as the index knows it, through both its views.
    store.addStudy('default', '1.2.9', PATIENT, PATIENT_ATTRIBUTES);
    index.add({ tenant: 'default', studyInstanceUID: '1.2.9', seriesInstanceUID: '1.2.9.1', sopInstanceUID: '1.2.9.1.1', sopClassUID: '1.2.840.10008.5.1.4.1.1.2', transferSyntaxUID: '1.2.840.10008.1.2.1', objectKey: 'k', sizeBytes: 1, datasetOffset: 0, datasetSha256: 'a'.repeat(64), storedAt: new Date(0), metadata: { ...PATIENT_ATTRIBUTES, '0020000D': { vr: 'UI', Value: ['1.2.9'] }, '0020000E': { vr: 'UI', Value: ['1.2.9.1'] } } });
    receive = new ReceiveServiceRequestUseCase(store, index, () => (notified += 1), { source: 'hl7@test', now: () => new Date('2026-11-22T09:00:00Z'), ids: { studyInstanceUID: () => '2.25.1', scheduledProcedureStepID: () => 'NEW' }, zone: UTC });
  });

  it('places the order on create: its worklist item, order.placed and fhir.resource.received in one commit, then notifies', async () => {
    expect(await send(order())).toEqual({ ok: true, id: 'ACC.5F1', created: true });
    expect(store.state.orders.get('default\u0000ACC_1')).toMatchObject({ accessionNumber: 'ACC_1', studyInstanceUID: '2.25.1', scheduledProcedureStepID: 'ACC_1', status: 'SCHEDULED', patient: PATIENT });
    expect([...store.state.worklist.values()][0]?.attributes).toMatchObject({ '00100010': PATIENT_ATTRIBUTES['00100010'], '00321060': { Value: ['CT chest'] } });
    expect(step()).toMatchObject({ '00080060': { Value: ['CT'] }, '00400001': { Value: ['CT1'] }, '00400002': { Value: ['20261122'] }, '00400003': { Value: ['103000'] } });
    expect(types()).toEqual(['order.placed.v1', 'fhir.resource.received.v1']);
    expect(store.state.events[0]?.envelope.data).toMatchObject({ accessionNumber: 'ACC_1', message: { messageType: 'ServiceRequest.create', controlId: 'req-0', sendingApplication: 'ris-client', sendingFacility: '' } });
    expect(received()).toEqual([{ resourceType: 'ServiceRequest', id: 'ACC.5F1', interaction: 'create', outcome: 'applied', status: 201, caller: 'ris-client' }]);
    expect(notified).toBe(1);
  });

  it('changes the order on update with status active, cancels it with revoked, and then lets it change no more', async () => {
    await send(order());
    expect(await send(order({ id: 'ACC.5F1', performer: [{ identifier: { system: 'urn:tessera:ae-title', value: 'CT2' } }] }), 'update', 'ACC.5F1')).toEqual({ ok: true, id: 'ACC.5F1', created: false });
    expect(step()['00400001']?.Value).toEqual(['CT2']);
    expect(await send(order({ id: 'ACC.5F1', status: 'revoked' }), 'update', 'ACC.5F1')).toEqual({ ok: true, id: 'ACC.5F1', created: false });
    expect(step()['00400020']?.Value).toEqual(['CANCELED']);
    const ended = await send(order({ id: 'ACC.5F1' }), 'update', 'ACC.5F1');
    expect(ended).toMatchObject({ ok: false, error: { code: 'business-rule', message: 'order ACC_1 is CANCELED and cannot change any more' } });
    expect(types()).toEqual(['order.placed.v1', 'fhir.resource.received.v1', 'order.changed.v1', 'fhir.resource.received.v1', 'order.cancelled.v1', 'fhir.resource.received.v1', 'fhir.resource.received.v1']);
    expect(received().at(-1)).toEqual({ resourceType: 'ServiceRequest', id: 'ACC.5F1', interaction: 'update', outcome: 'refused', status: 422, reason: 'order ACC_1 is CANCELED and cannot change any more', caller: 'ris-client' });
  });

  it('places an order on update of an id no order has, with status active (update as create)', async () => {
    expect(await send(order({ id: 'ACC.5F1' }), 'update', 'ACC.5F1')).toEqual({ ok: true, id: 'ACC.5F1', created: true });
    expect(types()[0]).toBe('order.placed.v1');
  });

  it.each([
    ['an update whose resource has another id', order({ id: 'OTHER' }), 'update', 'ACC.5F1', { code: 'invalid-request' }],
    ['an update of the id of another accession number', order({ id: 'ACC-2' }), 'update', 'ACC-2', { code: 'invalid-request' }],
    ['an invalid resource', order({ intent: 'plan' }), 'create', undefined, { code: 'invalid-resource' }],
    ['a patient the index does not have', order({ subject: { reference: 'Patient/99' } }), 'create', undefined, { code: 'invalid-resource', message: 'ServiceRequest.subject: this server has no Patient/99' }],
  ])('refuses %s and changes nothing but its event', async (_, body, interaction, id, error) => {
    const before = { orders: [...store.state.orders.values()], worklist: [...store.state.worklist.values()], events: store.state.events.length };
    const result = await send(body, interaction as 'create' | 'update', id);
    expect(result).toMatchObject({ ok: false, error });
    expect({ orders: [...store.state.orders.values()], worklist: [...store.state.worklist.values()], events: store.state.events.length }).toEqual({ ...before, events: before.events + 1 });
    expect(received().at(-1)).toMatchObject({ outcome: 'refused' });
  });

  it('refuses a second create of an accession number (409)', async () => {
    await send(order());
    expect(await send(order())).toMatchObject({ ok: false, error: { code: 'duplicate', message: 'ServiceRequest/ACC.5F1, the order with Accession Number ACC_1, exists already; change it with an update' } });
    expect(types()).toEqual(['order.placed.v1', 'fhir.resource.received.v1', 'fhir.resource.received.v1']);
    expect(received().at(-1)).toMatchObject({ outcome: 'refused', status: 409 });
  });

  it('refuses to cancel an order no one placed (404)', async () => {
    expect(await send(order({ id: 'ACC.5F1', status: 'revoked' }), 'update', 'ACC.5F1')).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('takes a patient the index does not know by identifier, with the name its display gives', async () => {
    expect(await send(order({ subject: { identifier: { system: 'urn:oid:1.2.3', value: 'NEW-1' }, display: 'Eve Everywoman' } }))).toMatchObject({ ok: true });
    expect([...store.state.worklist.values()][0]?.attributes).toMatchObject({ '00100010': { Value: [{ Alphabetic: 'Everywoman^Eve' }] }, '00100020': { Value: ['NEW-1'] }, '00100021': { Value: ['1.2.3'] } });
  });

  it('changes nothing and answers nothing when the store fails before the commit', async () => {
    const failing = new ReceiveServiceRequestUseCase({ transaction: () => Promise.reject(new Error('database down')) }, index, () => (notified += 1), { source: 's', now: () => new Date(), ids: { studyInstanceUID: () => '2.25.1', scheduledProcedureStepID: () => 'X' }, zone: UTC });
    await expect(failing.execute({ tenant: 'default', interaction: 'create', body: order(), caller: 'c', correlationId: 'r' })).rejects.toThrow('database down');
    expect(notified).toBe(0);
  });

  it('reads the order back as a ServiceRequest, with its patient as a reference', async () => {
    await send(order());
    const worklist = new MemoryWorklistStore();
    for (const item of store.state.worklist.values()) await worklist.put(item);
    const read = new ReadServiceRequestUseCase(store, worklist, index, UTC);
    expect(await read.execute('default', 'ACC.5F1')).toMatchObject({
      ok: true,
      value: { resourceType: 'ServiceRequest', id: 'ACC.5F1', status: 'active', subject: { reference: 'Patient/1', display: 'Adam Everyman' }, occurrenceDateTime: '2026-11-22T10:30:00+00:00', performer: [{ identifier: { value: 'CT1' } }] },
    });
    expect(await read.execute('default', 'ACC-9')).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await read.execute('default', 'ACC_1')).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
