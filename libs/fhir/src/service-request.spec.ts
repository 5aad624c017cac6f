import type { LocalZone } from './dates';
import { FhirError } from './fhir-error';
import { readServiceRequest, serviceRequestResource } from './service-request';

const UTC: LocalZone = { offsetAt: () => '+00:00', local: (m) => ({ date: m.toISOString().slice(0, 10).replace(/-/g, ''), time: m.toISOString().slice(11, 19).replace(/:/g, '') }) };
const ACSN = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] };
const PLAC = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }] };

/** An imaging order as a RIS would send it. */
const request = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'ServiceRequest',
  status: 'active',
  intent: 'order',
  identifier: [
    { type: ACSN, value: 'ACC-1' },
    { type: PLAC, system: 'urn:ris', value: 'PLC-1' },
    { system: 'urn:dicom:uid', value: 'urn:oid:1.2.3.4' },
  ],
  code: { coding: [{ system: 'http://loinc.org', code: '24627-2', display: 'CT Chest' }] },
  orderDetail: [{ coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }] }],
  subject: { reference: 'Patient/7' },
  occurrenceDateTime: '2026-11-22T10:30:00+01:00',
  performer: [{ identifier: { system: 'urn:tessera:ae-title', value: 'CT1' } }],
  requester: { display: 'Anna Referring' },
  ...overrides,
});

describe('a ServiceRequest as an imaging order', () => {
  it('gives the order’s identifiers, patient, procedure, modality, station, start and requester', () => {
    expect(readServiceRequest(request(), UTC)).toEqual({
      intent: 'place-or-change',
      accessionNumber: 'ACC-1',
      placerOrderNumber: 'PLC-1',
      fillerOrderNumber: '',
      studyInstanceUID: '1.2.3.4',
      subject: { kind: 'patient', id: '7' },
      procedure: { code: '24627-2', text: 'CT Chest', codingSystem: 'LN' },
      modality: 'CT',
      scheduledStationAETitle: 'CT1',
      start: { date: '20261122', time: '093000' },
      requestingPhysician: 'Referring^Anna',
    });
  });

  it('takes a patient by identifier, a local code as text only, and the status as what to do', () => {
    const order = readServiceRequest(
      request({ status: 'revoked', subject: { identifier: { system: 'urn:oid:1.2.9', value: 'P-1' } }, code: { text: 'Chest', coding: [{ system: 'urn:local', code: 'X1' }, { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }] }, orderDetail: undefined }),
      UTC,
    );
    expect(order).toMatchObject({ intent: 'cancel', subject: { kind: 'identifier', patientID: 'P-1', issuerOfPatientID: '1.2.9' }, procedure: { code: '', text: 'Chest', codingSystem: '' }, modality: 'CT' });
    expect(readServiceRequest(request({ status: 'entered-in-error' }), UTC).intent).toBe('cancel');
    expect(readServiceRequest(request({ status: 'completed' }), UTC).intent).toBe('complete');
  });

  it.each([
    [{ resourceType: 'Patient' }, 'not a ServiceRequest', 'resourceType'],
    [{ status: 'draft' }, 'ServiceRequest.status "draft" is not one this server acts on', 'ServiceRequest.status'],
    [{ intent: 'plan' }, 'ServiceRequest.intent must be an order', 'ServiceRequest.intent'],
    [{ identifier: [] }, 'needs the Accession Number', 'ServiceRequest.identifier'],
    [{ identifier: [{ type: ACSN, value: 'ACCESSION-NUMBER-TOO-LONG' }] }, 'longer than 16 characters', 'ServiceRequest.identifier'],
    [{ identifier: [{ type: ACSN, value: 'A' }, { system: 'urn:dicom:uid', value: 'urn:oid:01.2' }] }, 'is not urn:oid: and a UID', 'ServiceRequest.identifier'],
    [{ subject: { reference: 'Group/1' } }, 'is not a reference to a Patient', 'ServiceRequest.subject'],
    [{ subject: {} }, 'needs a reference to a Patient or an identifier', 'ServiceRequest.subject'],
    [{ code: undefined }, 'ServiceRequest.code, the requested procedure, is required', 'ServiceRequest.code'],
    [{ orderDetail: [] }, 'needs exactly one modality', 'ServiceRequest.orderDetail'],
    [{ performer: [] }, 'needs exactly one scheduled station', 'ServiceRequest.performer'],
    [{ performer: [{ identifier: { system: 'urn:tessera:ae-title', value: 'A\\B' } }] }, 'is not an AE title', 'ServiceRequest.performer'],
    [{ occurrenceDateTime: undefined }, 'needs its scheduled start', 'ServiceRequest.occurrence'],
    [{ occurrenceDateTime: '2026-11-22T10:30' }, 'is not a dateTime of a day', 'ServiceRequest.occurrenceDateTime'],
    [{ identifier: 'ACC-1' }, 'ServiceRequest.identifier must be an array', 'ServiceRequest.identifier'],
  ])('refuses %j, naming the element', (overrides, message, expression) => {
    let error: unknown;
    try {
      readServiceRequest(request(overrides), UTC);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).message).toContain(message);
    expect((error as FhirError).expression).toBe(expression);
  });

  it('refuses what is not a resource', () => {
    expect(() => readServiceRequest([], UTC)).toThrow('the body is not a FHIR resource');
  });
});

describe('the ServiceRequest of a stored order', () => {
  it('is built from the order and its worklist item', () => {
    const resource = serviceRequestResource(
      {
        accessionNumber: 'ACC_1',
        placerOrderNumber: 'PLC-1',
        studyInstanceUID: '1.2.3.4',
        status: 'CANCELED',
        patientID: 'P-1',
        issuerOfPatientID: 'HOSP',
        item: {
          '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Everyman^Adam' }] },
          '00321032': { vr: 'PN', Value: [{ Alphabetic: 'Referring^Anna' }] },
          '00321060': { vr: 'LO', Value: ['CT Chest'] },
          '00321064': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['24627-2'] }, '00080102': { vr: 'SH', Value: ['LN'] }, '00080104': { vr: 'LO', Value: ['CT Chest'] } }] },
          '00400100': { vr: 'SQ', Value: [{ '00080060': { vr: 'CS', Value: ['CT'] }, '00400001': { vr: 'AE', Value: ['CT1'] }, '00400002': { vr: 'DA', Value: ['20261122'] }, '00400003': { vr: 'TM', Value: ['0930'] } }] },
        },
      },
      undefined,
      UTC,
    );
    expect(resource).toEqual({
      resourceType: 'ServiceRequest',
      id: 'ACC.5F1',
      identifier: [
        { type: ACSN, value: 'ACC_1' },
        { type: PLAC, value: 'PLC-1' },
        { system: 'urn:dicom:uid', value: 'urn:oid:1.2.3.4' },
      ],
      status: 'revoked',
      intent: 'order',
      code: { coding: [{ system: 'http://loinc.org', code: '24627-2', display: 'CT Chest' }], text: 'CT Chest' },
      orderDetail: [{ coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }] }],
      subject: { identifier: { system: 'urn:tessera:issuer:HOSP', value: 'P-1' }, display: 'Adam Everyman' },
      occurrenceDateTime: '2026-11-22T09:30:00+00:00',
      requester: { display: 'Anna Referring' },
      performer: [{ identifier: { system: 'urn:tessera:ae-title', value: 'CT1' }, display: 'CT1' }],
    });
  });
});
