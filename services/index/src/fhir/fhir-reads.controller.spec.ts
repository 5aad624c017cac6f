import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { DicomJsonDataset } from '@tessera/dicom';
import type { LocalZone } from '@tessera/fhir';
import { AuthenticationError, type Principal, type TokenVerifier } from '@tessera/identity';
import { MemoryFhirIndex, type IndexedInstance } from '@tessera/index-store';
import { AccessGuard, CONFIG, ConfiguredTenantResolver, LOGGER, TENANT_RESOLVER, TOKEN_VERIFIER } from '@tessera/platform';
import { createLogger } from '@tessera/telemetry';
import { repoRoot } from '@tessera/testing';
import { FhirReadsController } from './fhir-reads.controller';
import { ReadImagingStudyUseCase } from './read-imaging-study.use-case';
import { ReadPatientUseCase } from './read-patient.use-case';
import { SearchImagingStudiesUseCase } from './search-imaging-studies.use-case';
import { SearchPatientsUseCase } from './search-patients.use-case';

const UTC: LocalZone = { offsetAt: () => '+00:00', local: (m) => ({ date: m.toISOString().slice(0, 10).replace(/-/g, ''), time: m.toISOString().slice(11, 19).replace(/:/g, '') }) };
const person = (name: string, roles: Principal['roles'], tenants: string[]): Principal => ({ subject: name, name, issuer: 'https://idp', roles, tenants, expiresAt: 0 });
const verifier: TokenVerifier = {
  verify: (token) => {
    const callers: Record<string, Principal> = { rad: person('rad', ['radiologist'], ['default', 'st-mary']), admin: person('admin', ['admin'], ['default']) };
    return callers[token] ? Promise.resolve(callers[token]) : Promise.reject(new AuthenticationError('bad-signature', 'the token signature does not verify'));
  },
};

function instance(patientID: string, name: string, study: string, accession: string): IndexedInstance {
  const metadata: DicomJsonDataset = {
    '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
    '00080018': { vr: 'UI', Value: [`${study}.1.1`] },
    '00080020': { vr: 'DA', Value: ['20240105'] },
    '00080050': { vr: 'SH', Value: [accession] },
    '00080060': { vr: 'CS', Value: ['CT'] },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: name }] },
    '00100020': { vr: 'LO', Value: [patientID] },
    '0020000D': { vr: 'UI', Value: [study] },
    '0020000E': { vr: 'UI', Value: [`${study}.1`] },
  };
  return { tenant: 'default', studyInstanceUID: study, seriesInstanceUID: `${study}.1`, sopInstanceUID: `${study}.1.1`, sopClassUID: '1.2.840.10008.5.1.4.1.1.2', transferSyntaxUID: '1.2.840.10008.1.2.1', objectKey: 'k', sizeBytes: 1, datasetOffset: 0, datasetSha256: 'a'.repeat(64), storedAt: new Date(0), metadata };
}

describe('FHIR reads of the index over HTTP', () => {
  let app: NestFastifyApplication;
  const index = new MemoryFhirIndex();

  beforeAll(async () => {
    index.add(instance('P-1', 'Everyman^Adam', '1.2.1', 'ACC-1'));
    index.add(instance('P-2', 'Prior^Adam', '1.2.2', 'ACC-2'));
    index.merge('default', { patientID: 'P-2', issuerOfPatientID: '' }, { patientID: 'P-1', issuerOfPatientID: '' });
    const tenants = new ConfiguredTenantResolver('default', ['default', 'st-mary'], {});
    @Module({
      controllers: [FhirReadsController],
      providers: [
        { provide: SearchImagingStudiesUseCase, useValue: new SearchImagingStudiesUseCase(index, UTC) },
        { provide: ReadImagingStudyUseCase, useValue: new ReadImagingStudyUseCase(index, UTC) },
        { provide: SearchPatientsUseCase, useValue: new SearchPatientsUseCase(index) },
        { provide: ReadPatientUseCase, useValue: new ReadPatientUseCase(index) },
        { provide: TOKEN_VERIFIER, useValue: verifier },
        { provide: TENANT_RESOLVER, useValue: tenants },
        { provide: CONFIG, useValue: { researchTenants: [] } },
        { provide: LOGGER, useValue: createLogger({ level: 'error', format: 'json' }, {}) },
        { provide: APP_GUARD, useClass: AccessGuard },
      ],
    })
    class FhirTestModule {}
    const moduleRef = await Test.createTestingModule({ imports: [FhirTestModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter({ logger: false, rewriteUrl: (req: IncomingMessage | Http2ServerRequest) => tenants.rewriteUrl(req as IncomingMessage) }), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  const get = async (url: string, headers: Record<string, string> = { authorization: 'Bearer rad' }) => {
    const res = await app.inject({ method: 'GET', url, headers });
    return { status: res.statusCode, type: res.headers['content-type'], challenge: res.headers['www-authenticate'], body: res.json<Record<string, unknown>>() };
  };

  it('serves, without a token, the CapabilityStatement that docs/fhir-capability-statement.json holds', async () => {
    const res = await get('/fhir/metadata', {});
    expect([res.status, res.type]).toEqual([200, 'application/fhir+json; charset=utf-8']);
    expect(res.body).toEqual(JSON.parse(fs.readFileSync(path.join(repoRoot(), 'docs', 'fhir-capability-statement.json'), 'utf8')));
  });

  it('reads an ImagingStudy and finds it by patient and accession number, in a searchset Bundle', async () => {
    const study = await get('/fhir/ImagingStudy/1.2.1');
    expect(study).toMatchObject({ status: 200, body: { resourceType: 'ImagingStudy', id: '1.2.1', subject: { reference: 'Patient/1' }, endpoint: [{ reference: 'Endpoint/dicomweb' }] } });
    const bundle = await get('/fhir/ImagingStudy?patient=Patient/1&identifier=ACC-2');
    expect(bundle.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ fullUrl: 'http://localhost:80/fhir/ImagingStudy/1.2.2', resource: { id: '1.2.2' } }] });
  });

  it('reads a merged Patient, inactive and replaced by its survivor', async () => {
    expect((await get('/fhir/Patient/2')).body).toMatchObject({ resourceType: 'Patient', id: '2', active: false, link: [{ other: { reference: 'Patient/1' }, type: 'replaced-by' }] });
    expect((await get('/fhir/Patient?family=every')).body).toMatchObject({ total: 1, entry: [{ resource: { id: '1', active: true } }] });
  });

  it('gives the Endpoint the DICOMweb address of the tenant addressed', async () => {
    expect((await get('/tenants/st-mary/fhir/Endpoint/dicomweb')).body).toMatchObject({ resourceType: 'Endpoint', connectionType: { code: 'dicom-wado-rs' }, address: expect.stringMatching(/\/tenants\/st-mary\/dicomweb$/) });
  });

  it.each([
    ['/fhir/ImagingStudy/9.9', 404, 'not-found', 'No ImagingStudy with id 9.9'],
    ['/fhir/Patient/x', 404, 'not-found', 'No Patient with id x'],
    ['/fhir/Endpoint/other', 404, 'not-found', 'No Endpoint with id other'],
    ['/fhir/Patient?address=Main', 400, 'invalid', 'the search parameter "address" is not supported'],
    ['/fhir/ImagingStudy?started=sa2024', 400, 'invalid', 'the prefix "sa" is not supported'],
    ['/fhir/Patient?_format=xml', 406, 'not-supported', 'This server speaks FHIR JSON'],
  ])('answers %s with %i and an OperationOutcome', async (url, status, code, diagnostics) => {
    const res = await get(url);
    expect([res.status, res.type]).toEqual([status, 'application/fhir+json; charset=utf-8']);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: expect.stringContaining(diagnostics) }] });
  });

  it('answers 406 to a client that accepts only XML', async () => {
    expect((await get('/fhir/Patient', { authorization: 'Bearer rad', accept: 'application/fhir+xml' })).status).toBe(406);
  });

  it('refuses callers with an OperationOutcome: 401 with its challenge, 403', async () => {
    const anonymous = await get('/fhir/Patient', {});
    expect(anonymous).toMatchObject({ status: 401, challenge: 'Bearer realm="tessera"', body: { resourceType: 'OperationOutcome', issue: [{ code: 'login' }] } });
    expect(await get('/fhir/Patient', { authorization: 'Bearer admin' })).toMatchObject({ status: 403, body: { resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] } });
  });
});
