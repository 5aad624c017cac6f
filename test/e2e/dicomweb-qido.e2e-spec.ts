import { DimseStatus } from '@tessera/dicom';
import { expectEventually, repoRoot, writeSyntheticStudy, type SyntheticStudy } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { storescu } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const VIEWER = 'http://viewer.example.org';

// Issue 4: QIDO-RS fuzzy matching, XML responses, capabilities, CORS and compression, driven by
// dicomweb-client, requests and lxml, with one Tessera per mode.
describe.each(MODES)('QIDO-RS fuzzy matching, XML, capabilities, CORS and compression, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let study: SyntheticStudy;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `qido-${mode}-${process.pid}`);

  beforeAll(async () => {
    study = writeSyntheticStudy(dir, 3, { rows: 16, columns: 16, patientId: 'QIDO-1' });
    backing = await createBacking(mode, 'qido');
    tessera = await startTessera(`qido-${mode}`, { ...backing.env, HTTP_CORS_ORIGINS: VIEWER });
    const outcomes = await storescu(tessera.dimsePort, 'TESSERA', study.files);
    expect(outcomes.every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
    await expectEventually(async () => {
      const res = await tessera.fetch(`${tessera.dicomweb}/studies?StudyInstanceUID=${study.studyInstanceUID}`);
      expect(((await res.json()) as Record<string, { Value?: unknown[] }>[])[0]?.['00201208']?.Value).toEqual([3]);
    }, { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('matches names fuzzily, answers XML, describes itself, lets the viewer origin in and compresses JSON', async () => {
    const [facts] = await runPeer<Record<string, unknown>[]>('dicomweb_qido_peer.py', ['facts'], [
      {
        base: tessera.dicomweb,
        token: await tessera.token('radiologist'),
        study: study.studyInstanceUID,
        series: study.seriesInstanceUID,
        file: study.files[0],
        allowedOrigin: VIEWER,
        deniedOrigin: 'http://elsewhere.example.org',
      },
    ]);
    expect(facts).toMatchObject({
      fuzzyIsTheStored: true,
      literalCount: 0,
      orderFree: 1,
      fuzzyWarning: null,
      xmlStatus: 200,
      xmlContentType: 'multipart/related',
      xmlPartType: 'application/dicom+xml',
      xmlFamilyName: 'Müller-Lüdenscheidt',
      xmlPrefix: 'Dr.',
      xmlMetadataParts: 3,
      xmlBulkDataAbsolute: true,
      refusedAccept: 406,
      capabilities: { status: 200, type: 'application/vnd.sun.wadl+xml', allow: 'OPTIONS' },
      wadlSearchesStudies: true,
      capabilitiesJson: true,
      capabilitiesAllowStudy: 'GET, POST, DELETE, HEAD, OPTIONS',
      capabilitiesWithoutToken: 401,
      preflightAllowed: { status: 204, allowOrigin: VIEWER, allowHeaders: 'authorization' },
      preflightDenied: { status: 204, allowOrigin: null },
      crossOrigin: { allowOrigin: VIEWER, exposesWarning: true, exposesContentLocation: true },
      gzip: { encoding: 'gzip', instances: 3 },
      identityEncoding: null,
    });
    expect(facts?.['wadlResources']).toBeGreaterThan(20);
  });
});
