import { expectEventually, freePort, repoRoot, writeSyntheticStudy } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { storescu } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const run = promisify(execFile);

type Json = Record<string, unknown>;
interface FhirRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  accept?: string;
  contentType?: string;
  body?: unknown;
  anonymous?: boolean;
}
interface FhirResponse {
  status: number;
  contentType: string;
  location?: string;
  body: Json;
  valid: boolean;
  errors: string[];
}
interface PeerResult {
  responses: FhirResponse[];
  sentValid: { valid: boolean; errors: string[] }[];
}

const ACSN = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] };

/** An order as a RIS sends it over FHIR. */
const serviceRequest = (patient: string, extra: Json = {}): Json => ({
  resourceType: 'ServiceRequest',
  status: 'active',
  intent: 'order',
  identifier: [{ type: ACSN, value: 'FHIR-ACC-1' }],
  code: { coding: [{ system: 'http://loinc.org', code: '24627-2', display: 'CT Chest' }], text: 'CT chest' },
  orderDetail: [{ coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }] }],
  subject: { reference: `Patient/${patient}` },
  occurrenceDateTime: '2026-11-22T10:30:00+00:00',
  performer: [{ identifier: { system: 'urn:tessera:ae-title', value: 'CT1' } }],
  ...extra,
});

/** An HL7 v2.5.1 message as a RIS sends it. */
const hl7 = (type: string, control: string, ...segments: string[]): string => [`MSH|^~\\&|RIS|GOOD HEALTH|TESSERA|RADIOLOGY|20261122101500||${type}|${control}|P|2.5.1`, ...segments].join('\r');

describe.each(MODES)('FHIR R4 validated by fhir.resources, with storescu, python-hl7 and findscu -W, %s', (mode) => {
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `fhir-${mode}-${process.pid}`);
  let backing: Backing;
  let tessera: Tessera;
  let mllpPort: number;
  const fhir = async (requests: FhirRequest[]): Promise<PeerResult> => runPeer<PeerResult>('fhir_peer.py', [], { base: `${tessera.baseUrl}/fhir`, token: await tessera.token('technologist'), requests });
  const get = async (p: string): Promise<FhirResponse> => (await fhir([{ method: 'GET', path: p }])).responses[0] as FhirResponse;
  const worklist = async (accession: string): Promise<string[]> => {
    const out = fs.mkdtempSync(path.join(dir, 'mwl-'));
    await run('findscu', ['-X', '-od', out, '-aet', 'CT1', '-aec', 'TESSERA', '127.0.0.1', String(tessera.dimsePort), '-W', '-k', `AccessionNumber=${accession}`, '-k', 'PatientName', '-k', 'PatientID', '-k', 'RequestedProcedureDescription', '-k', 'ScheduledProcedureStepSequence[0].ScheduledStationAETitle', '-k', 'ScheduledProcedureStepSequence[0].Modality', '-k', 'ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate'], { env: { ...process.env, TCP_NODELAY: '1' } });
    return Promise.all(fs.readdirSync(out).map(async (f) => (await run('dcmdump', [path.join(out, f)])).stdout));
  };

  beforeAll(async () => {
    fs.mkdirSync(dir, { recursive: true });
    backing = await createBacking(mode, 'fhir');
    mllpPort = await freePort();
    tessera = await startTessera(`fhir-${mode}`, { ...backing.env, MLLP_PORT: String(mllpPort) });
    const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/application-entities/CT1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ host: '127.0.0.1', port: 104, allowedOperations: ['ECHO', 'FIND', 'WORKLIST'] }) });
    expect(res.ok).toBe(true);
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves a valid CapabilityStatement without a token, the one docs/fhir-capability-statement.json holds', async () => {
    const { responses } = await fhir([{ method: 'GET', path: '/metadata', anonymous: true }]);
    expect(responses[0]).toMatchObject({ status: 200, contentType: 'application/fhir+json; charset=utf-8', valid: true, body: { resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' } });
    expect(responses[0]?.body).toEqual(JSON.parse(fs.readFileSync(path.join(repoRoot(), 'docs', 'fhir-capability-statement.json'), 'utf8')));
  });

  it('shows a study stored with storescu and patients from ADT as valid ImagingStudy and Patient resources; a merged patient is replaced by its survivor', async () => {
    const study = writeSyntheticStudy(path.join(dir, 'study'), 3, { rows: 8, columns: 8, patientId: 'FHIR-P1' });
    expect((await storescu(tessera.dimsePort, 'TESSERA', study.files)).every((o) => o.kind === 'status' && o.status === 0)).toBe(true);
    await expectEventually(async () => expect((await get(`/ImagingStudy/${study.studyInstanceUID}`)).status).toBe(200), { timeoutMs: 60_000, intervalMs: 250 });

    // python-hl7 delivers the patient's demographics, then a second registration merged into the first.
    const { acks } = await runPeer<{ acks: { MSA: string[] }[] }>('hl7_peer.py', [], {
      port: mllpPort,
      messages: [
        hl7('ADT^A08^ADT_A01', 'FHIR-A08', 'EVN|A08|20261122101500', 'PID|1||FHIR-P1||EVERYMAN^ADAM^BEDE||19610615|M', 'PV1|1|O'),
        hl7('ADT^A04^ADT_A01', 'FHIR-A04', 'EVN|A04|20261122101500', 'PID|1||FHIR-P2^^^HOSP||EVERYMAN^A||19610615|M', 'PV1|1|O'),
        hl7('ADT^A40^ADT_A39', 'FHIR-A40', 'EVN|A40|20261122101600', 'PID|1||FHIR-P1||EVERYMAN^ADAM^BEDE||19610615|M', 'MRG|FHIR-P2^^^HOSP'),
      ].map((text) => ({ text, encoding: 'ascii' })),
    });
    expect(acks.map((a) => a.MSA[0])).toEqual(['AA', 'AA', 'AA']);

    const patients = await get('/Patient?identifier=%7CFHIR-P1');
    expect(patients).toMatchObject({ status: 200, valid: true, body: { resourceType: 'Bundle', type: 'searchset', total: 1 } });
    const patient = ((patients.body.entry as Json[])[0] as { resource: Json }).resource;
    expect(patient).toMatchObject({ identifier: [{ value: 'FHIR-P1' }], active: true, name: [{ family: 'EVERYMAN', given: ['ADAM', 'BEDE'] }], gender: 'male', birthDate: '1961-06-15' });
    const prior = await get('/Patient?identifier=urn:tessera:issuer:HOSP%7CFHIR-P2');
    const priorPatient = ((prior.body.entry as Json[])[0] as { resource: Json }).resource;
    expect(priorPatient).toMatchObject({ active: false, link: [{ other: { reference: `Patient/${String(patient.id)}` }, type: 'replaced-by' }] });

    const { responses } = await fhir([
      { method: 'GET', path: `/Patient/${String(patient.id)}` },
      { method: 'GET', path: `/Patient/${String(priorPatient.id)}` },
      { method: 'GET', path: '/Patient?family=every&given=ada&birthdate=1961-06&gender=male' },
      { method: 'GET', path: `/ImagingStudy/${study.studyInstanceUID}` },
      { method: 'GET', path: `/ImagingStudy?patient=Patient/${String(patient.id)}` },
      { method: 'GET', path: `/ImagingStudy?identifier=urn:dicom:uid%7Curn:oid:${study.studyInstanceUID}` },
      { method: 'GET', path: '/ImagingStudy?identifier=ACC0001&started=ge2025-01-01&started=lt2025-01-02&modality=CT' },
      { method: 'GET', path: '/ImagingStudy?started=gt2025-01-01' },
      { method: 'GET', path: '/ImagingStudy?_count=0' },
      { method: 'GET', path: '/Endpoint/dicomweb' },
    ]);
    for (const r of responses) expect({ status: r.status, valid: r.valid, errors: r.errors }).toEqual({ status: 200, valid: true, errors: [] });
    expect(responses[1]?.body).toMatchObject({ active: false });
    expect(responses[2]?.body).toMatchObject({ total: 1 });
    const imagingStudy = responses[3]?.body as Json;
    expect(imagingStudy).toMatchObject({
      resourceType: 'ImagingStudy',
      id: study.studyInstanceUID,
      identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${study.studyInstanceUID}` }, { value: 'ACC0001' }],
      status: 'available',
      subject: { reference: `Patient/${String(patient.id)}` },
      endpoint: [{ reference: 'Endpoint/dicomweb' }],
      numberOfSeries: 1,
      numberOfInstances: 3,
      description: 'Synthetic chest CT',
      series: [{ uid: study.seriesInstanceUID, modality: { code: 'CT' }, numberOfInstances: 3 }],
    });
    expect(String(imagingStudy.started)).toMatch(/^2025-01-01T12:00:00[+-]\d{2}:\d{2}$/);
    expect(((imagingStudy.series as Json[])[0]?.instance as Json[]).map((i) => i.number)).toEqual([1, 2, 3]);
    for (const i of [4, 5, 6]) expect((responses[i]?.body.entry as Json[]).map((e) => (e.resource as Json).id)).toEqual([study.studyInstanceUID]);
    expect(responses[7]?.body).toMatchObject({ total: 0 });
    expect(responses[8]?.body).toMatchObject({ total: 1 });
    expect(responses[8]?.body).not.toHaveProperty('entry');
    // The Endpoint retrieves the study over WADO-RS.
    const endpoint = responses[9]?.body as { address: string; connectionType: Json };
    expect(endpoint.connectionType).toMatchObject({ code: 'dicom-wado-rs' });
    const wado = await tessera.fetch(`${endpoint.address}/studies/${study.studyInstanceUID}/metadata`, { headers: { accept: 'application/dicom+json' } });
    expect(wado.status).toBe(200);
    expect((await wado.json()) as unknown[]).toHaveLength(3);
  });

  it('places an order created as a ServiceRequest on the worklist (findscu -W), and takes it off when it is revoked', async () => {
    const patients = await get('/Patient?identifier=%7CFHIR-P1');
    const patient = String((((patients.body.entry as Json[])[0] as { resource: Json }).resource as Json).id);
    const created = await fhir([{ method: 'POST', path: '/ServiceRequest', body: serviceRequest(patient) }]);
    expect(created.sentValid).toEqual([{ valid: true, errors: [] }]);
    expect(created.responses[0]).toMatchObject({ status: 201, valid: true, location: `${tessera.baseUrl}/fhir/ServiceRequest/FHIR-ACC-1`, body: { resourceType: 'ServiceRequest', id: 'FHIR-ACC-1', status: 'active', subject: { reference: `Patient/${patient}` } } });
    // The 201 came after the commit: the worklist has the item now, without waiting.
    const items = await worklist('FHIR-ACC-1');
    expect(items).toHaveLength(1);
    for (const text of ['[FHIR-ACC-1]', '[EVERYMAN^ADAM^BEDE]', '[FHIR-P1]', '[CT chest]', '[CT1]', '[CT]']) expect(items[0]).toContain(text);

    const { responses } = await fhir([
      { method: 'GET', path: '/ServiceRequest/FHIR-ACC-1' },
      { method: 'POST', path: '/ServiceRequest', body: serviceRequest(patient) },
      { method: 'PUT', path: '/ServiceRequest/FHIR-ACC-1', body: serviceRequest(patient, { id: 'FHIR-ACC-1', status: 'revoked' }) },
    ]);
    expect(responses.map((r) => [r.status, r.valid, r.body.resourceType])).toEqual([
      [200, true, 'ServiceRequest'],
      [409, true, 'OperationOutcome'],
      [200, true, 'ServiceRequest'],
    ]);
    expect(responses[2]?.body).toMatchObject({ status: 'revoked' });
    expect(await worklist('FHIR-ACC-1')).toHaveLength(0);
  });

  it('answers what it cannot do with a valid OperationOutcome and the right status', async () => {
    const { responses } = await fhir([
      { method: 'GET', path: '/Patient/999999' },
      { method: 'GET', path: '/ImagingStudy/1.2.3.4.5' },
      { method: 'GET', path: '/Patient?address=Main' },
      { method: 'GET', path: '/ImagingStudy?started=2025-01-01T10:00' },
      { method: 'GET', path: '/Patient', accept: 'application/fhir+xml' },
      { method: 'POST', path: '/ServiceRequest', contentType: 'text/plain', body: 'order' },
      { method: 'POST', path: '/ServiceRequest', body: '{"resourceType":' },
      { method: 'POST', path: '/ServiceRequest', body: serviceRequest('1', { intent: 'plan' }) },
      { method: 'PUT', path: '/ServiceRequest/OTHER', body: serviceRequest('1', { id: 'OTHER', identifier: [{ type: ACSN, value: 'FHIR-ACC-2' }] }) },
      { method: 'GET', path: '/Patient', anonymous: true },
    ]);
    expect(responses.map((r) => [r.status, r.body?.resourceType, r.valid, ((r.body?.issue as Json[] | undefined)?.[0] as Json | undefined)?.code])).toEqual([
      [404, 'OperationOutcome', true, 'not-found'],
      [404, 'OperationOutcome', true, 'not-found'],
      [400, 'OperationOutcome', true, 'invalid'],
      [400, 'OperationOutcome', true, 'invalid'],
      [406, 'OperationOutcome', true, 'not-supported'],
      [415, 'OperationOutcome', true, 'not-supported'],
      [400, 'OperationOutcome', true, 'structure'],
      [422, 'OperationOutcome', true, 'invalid'],
      [400, 'OperationOutcome', true, 'invalid'],
      [401, 'OperationOutcome', true, 'login'],
    ]);
    expect(await worklist('FHIR-ACC-2')).toHaveLength(0);
  });
});
