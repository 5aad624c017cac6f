import { DimseStatus } from '@tessera/dicom';
import { expectEventually, repoRoot, writeSyntheticStudy, type SyntheticStudy } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { storescu } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, type Backing, startTessera, type Tessera } from './support/tessera';

const run = promisify(execFile);

// Issue 6: erasing a patient everywhere, with a legal hold that prevents it and the reason in the
// audit trail. Stored over DIMSE (DCMTK storescu), looked for afterwards over QIDO-RS, WADO-RS,
// C-FIND (findscu) and FHIR, and in the object store itself.

const ERASED = 'ERASE-7';
const KEPT = 'KEEP-7';
const REASON = 'GDPR Art. 17 request #4711';
const HOLD = 'litigation 2026-17';

interface AuditRecord_ {
  readonly eventType: string;
  readonly action: string;
  readonly patientIds: string[];
  readonly studyInstanceUIDs: string[];
  readonly message: string;
}

describe.each(MODES)('erasure of a patient, with legal hold, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let erased: SyntheticStudy;
  let kept: SyntheticStudy;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `erasure-${mode}-${process.pid}`);
  const patientUrl = () => `${tessera.baseUrl}/admin/tenants/default/patients/${ERASED}`;
  const post = (url: string, body: unknown) => tessera.fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const studiesOf = async (patientID: string): Promise<unknown[]> => {
    const res = await tessera.fetch(`${tessera.dicomweb}/studies?PatientID=${patientID}`);
    return res.status === 204 ? [] : ((await res.json()) as unknown[]);
  };
  // The studies C-FIND (DCMTK findscu, Study Root) matches for a patient: one file per match.
  let finds = 0;
  const cFind = async (patientID: string): Promise<number> => {
    const out = path.join(dir, `findscu-${++finds}`);
    fs.mkdirSync(out, { recursive: true });
    await run('findscu', ['-S', '-X', '-od', out, '-aec', 'TESSERA', '127.0.0.1', String(tessera.dimsePort), '-k', 'QueryRetrieveLevel=STUDY', '-k', `PatientID=${patientID}`, '-k', 'StudyInstanceUID'], {
      env: { ...process.env, TCP_NODELAY: '1' },
    });
    return fs.readdirSync(out).length;
  };
  // FHIR Patient and ImagingStudy searches (the index's FHIR read side) for a patient without an issuer.
  const fhirTotals = async (patientID: string): Promise<number[]> =>
    Promise.all(
      [`/Patient?identifier=%7C${patientID}`, `/ImagingStudy/${erased.studyInstanceUID}`].map(async (p) => {
        const res = await tessera.fetch(`${tessera.baseUrl}/fhir${p}`, { headers: { Accept: 'application/fhir+json' } });
        const body = (await res.json()) as { total?: number; resourceType: string };
        return body.resourceType === 'Bundle' ? (body.total ?? 0) : res.status;
      }),
    );
  const keysOf = async (study: SyntheticStudy) => (await backing.objectKeys()).filter((k) => k.includes(study.studyInstanceUID));

  beforeAll(async () => {
    erased = writeSyntheticStudy(path.join(dir, 'erased'), 3, { rows: 16, columns: 16, patientId: ERASED, accessionNumber: 'ACC-E7' });
    kept = writeSyntheticStudy(path.join(dir, 'kept'), 1, { rows: 16, columns: 16, patientId: KEPT, accessionNumber: 'ACC-K7' });
    backing = await createBacking(mode, 'erasure');
    tessera = await startTessera(`erasure-${mode}`, backing.env);
    const stored = await storescu(tessera.dimsePort, 'TESSERA', [...erased.files, ...kept.files]);
    expect(stored.every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
    await expectEventually(async () => {
      expect(await studiesOf(ERASED)).toHaveLength(1);
      expect(await studiesOf(KEPT)).toHaveLength(1);
    }, { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to erase a patient on legal hold (409, with the reason of the hold), and erases nothing', async () => {
    const put = await tessera.fetch(`${patientUrl()}/legal-hold`, { method: 'PUT', body: JSON.stringify({ reason: HOLD }), headers: { 'content-type': 'application/json' } });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ patient: { patientID: ERASED, issuerOfPatientID: '' }, reason: HOLD });

    const refused = await post(`${patientUrl()}/erasure`, { reason: REASON });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toContain(HOLD);
    expect(await studiesOf(ERASED)).toHaveLength(1);
    expect(await cFind(ERASED)).toBe(1);
    expect(await fhirTotals(ERASED)).toEqual([1, 200]);
    expect(await keysOf(erased)).toHaveLength(3);

    expect((await tessera.fetch(`${patientUrl()}/legal-hold`, { method: 'DELETE' })).status).toBe(204);
    expect((await tessera.fetch(`${patientUrl()}/legal-hold`)).status).toBe(404);
  });

  it('erases the patient everywhere: QIDO-RS, WADO-RS, C-FIND and FHIR find nothing, and the object store holds none of its objects', async () => {
    // Only an administrator may.
    expect((await tessera.fetch(`${patientUrl()}/erasure`, { method: 'POST', body: JSON.stringify({ reason: REASON }), headers: { 'content-type': 'application/json' } }, 'technologist')).status).toBe(403);

    const res = await post(`${patientUrl()}/erasure`, { reason: REASON });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ patient: { patientID: ERASED, issuerOfPatientID: '' }, studyInstanceUIDs: [erased.studyInstanceUID], objects: 3, finished: true });

    expect(await studiesOf(ERASED)).toEqual([]);
    const wado = await tessera.fetch(`${tessera.dicomweb}/studies/${erased.studyInstanceUID}`, { headers: { Accept: 'multipart/related; type="application/dicom"' } });
    expect(wado.status).toBe(404);
    await wado.arrayBuffer();
    expect(await cFind(ERASED)).toBe(0);
    expect(await fhirTotals(ERASED)).toEqual([0, 404]);
    expect(await keysOf(erased)).toEqual([]);

    // The other patient keeps everything.
    expect(await studiesOf(KEPT)).toHaveLength(1);
    expect(await cFind(KEPT)).toBe(1);
    expect(await keysOf(kept)).toHaveLength(1);

    // Erasing again: there is nothing left.
    expect((await post(`${patientUrl()}/erasure`, { reason: REASON })).status).toBe(404);
  });

  it('leaves the erasure in the audit trail with its reason, valid against the DICOM audit message schema', async () => {
    const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/audit-records?limit=100&patientId=${ERASED}`);
    expect(res.status).toBe(200);
    const all = (await res.json()) as AuditRecord_[];
    // The hold set and cleared: Patient Record (U) each, with what happened and why.
    const holds = all.filter((r) => r.eventType === '110110' && r.action === 'U').map((r) => r.message);
    expect(holds.some((m) => m.includes(Buffer.from(`legal hold set: ${HOLD}`).toString('base64')))).toBe(true);
    expect(holds.some((m) => m.includes(Buffer.from(`legal hold cleared: ${HOLD}`).toString('base64')))).toBe(true);
    const records = all.filter((r) => r.action === 'D');
    expect(records.map((r) => r.eventType).sort()).toEqual(['110105', '110110']);
    expect(records.find((r) => r.eventType === '110105')?.studyInstanceUIDs).toEqual([erased.studyInstanceUID]);
    for (const r of records) expect(r.message).toContain(`<ParticipantObjectDetail type="Reason" value="${Buffer.from(REASON).toString('base64')}"/>`);
    const schema = path.join(repoRoot(), 'libs', 'audit', 'schema', 'audit-message.rnc');
    const validation = await runPeer<{ results: { valid: boolean; errors: string[] }[] }>('audit_schema.py', [], { schema, messages: [...records.map((r) => r.message), ...holds] });
    expect(validation.results.filter((r) => !r.valid)).toEqual([]);
  });

  it('stores instances of the erased patient that arrive later as a new patient', async () => {
    const stored = await storescu(tessera.dimsePort, 'TESSERA', erased.files.slice(0, 1));
    expect(stored.every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
    await expectEventually(async () => expect(await studiesOf(ERASED)).toHaveLength(1), { timeoutMs: 60_000 });
    expect(await keysOf(erased)).toHaveLength(1);
  });
});
