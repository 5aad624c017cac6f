import { DimseStatus } from '@tessera/dicom';
import { expectEventually, repoRoot, writeSyntheticStudy, type SyntheticStudy } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { storescu } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const run = promisify(execFile);
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

type Json = Record<string, { Value?: unknown[] }>;
const patientName = (match: Json | undefined): unknown => (match?.['00100010']?.Value?.[0] as { Alphabetic?: string } | undefined)?.Alphabetic;

// Issue 6: two hospitals store the same study (the same UIDs, another patient) — one over DIMSE,
// the other over DIMSE and STOW-RS — and neither query, nor retrieve, nor audit trail crosses.
describe.each(MODES)('tenant isolation with identical UIDs in two tenants, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let study: SyntheticStudy;
  let bravoFiles: string[];
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `isolation-${mode}-${process.pid}`);

  beforeAll(async () => {
    study = writeSyntheticStudy(path.join(dir, 'alpha'), 3, { rows: 16, columns: 16, patientId: 'SAME-ID' });
    // The same instances, UIDs and all, for another patient of another hospital.
    fs.mkdirSync(path.join(dir, 'bravo'), { recursive: true });
    bravoFiles = study.files.map((f) => path.join(dir, 'bravo', path.basename(f)));
    for (const [i, f] of study.files.entries()) fs.copyFileSync(f, bravoFiles[i] as string);
    await run('dcmodify', ['-nb', '-m', '(0010,0010)=BRAVO^PATIENT', ...bravoFiles], { env: DCMTK_ENV });
    backing = await createBacking(mode, 'isolation');
    tessera = await startTessera(`isolation-${mode}`, { ...backing.env, TESSERA_TENANTS: 'alpha,bravo', DIMSE_AE_TITLES: 'ALPHA=alpha,BRAVO=bravo' });
    const alpha = await storescu(tessera.dimsePort, 'ALPHA', study.files);
    const bravoDimse = await storescu(tessera.dimsePort, 'BRAVO', bravoFiles.slice(0, 1));
    expect([...alpha, ...bravoDimse].every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
    const stow = await runPeer<{ http: number }[]>('dicomweb_peer.py', ['stow'], bravoFiles.slice(1).map((f) => ({ path: f, base: tessera.dicomwebOf('bravo'), token: '' })));
    expect(stow.map((r) => r.http)).toEqual([401, 401]); // no token, nothing stored
    const token = await tessera.token('technologist');
    const stored = await runPeer<{ http: number }[]>('dicomweb_peer.py', ['stow'], bravoFiles.slice(1).map((f) => ({ path: f, base: tessera.dicomwebOf('bravo'), token })));
    expect(stored.map((r) => r.http)).toEqual([200, 200]);
    for (const tenant of ['alpha', 'bravo']) {
      await expectEventually(async () => {
        const res = await tessera.fetch(`${tessera.dicomwebOf(tenant)}/studies?StudyInstanceUID=${study.studyInstanceUID}`);
        expect((await res.json()) as Json[]).toEqual([expect.objectContaining({ '00201208': expect.objectContaining({ Value: [3] }) })]);
      }, { timeoutMs: 60_000 });
    }
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers QIDO-RS of each tenant with its own patient only', async () => {
    for (const [tenant, name] of [
      ['alpha', 'Synthetic^Patient'],
      ['bravo', 'BRAVO^PATIENT'],
    ] as const) {
      const studies = (await (await tessera.fetch(`${tessera.dicomwebOf(tenant)}/studies?StudyInstanceUID=${study.studyInstanceUID}`)).json()) as Json[];
      expect(studies.map(patientName)).toEqual([name]);
      const instances = (await (await tessera.fetch(`${tessera.dicomwebOf(tenant)}/instances?PatientID=SAME-ID`)).json()) as Json[];
      expect(instances).toHaveLength(3);
    }
  });

  it('retrieves over WADO-RS each tenant’s own bytes', async () => {
    for (const [tenant, name] of [
      ['alpha', 'Synthetic^Patient'],
      ['bravo', 'BRAVO^PATIENT'],
    ] as const) {
      const metadata = (await (await tessera.fetch(`${tessera.dicomwebOf(tenant)}/studies/${study.studyInstanceUID}/metadata`)).json()) as Json[];
      expect(metadata).toHaveLength(3);
      expect(new Set(metadata.map(patientName))).toEqual(new Set([name]));
      const res = await tessera.fetch(`${tessera.dicomwebOf(tenant)}/studies/${study.studyInstanceUID}`, { headers: { Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } });
      const body = Buffer.from(await res.arrayBuffer()).toString('latin1');
      expect(body).toContain(name);
      expect(body).not.toContain(tenant === 'alpha' ? 'BRAVO^PATIENT' : 'Synthetic^Patient');
    }
  });

  it('answers C-FIND through each tenant’s AE title with its own patient only', async () => {
    for (const [ae, name] of [
      ['ALPHA', 'Synthetic^Patient'],
      ['BRAVO', 'BRAVO^PATIENT'],
    ] as const) {
      const { stdout, stderr } = await run('findscu', ['-S', '-aec', ae, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyInstanceUID}`, '-k', 'PatientName', '127.0.0.1', String(tessera.dimsePort)], { env: DCMTK_ENV });
      const names = [...(stdout + stderr).matchAll(/\(0010,0010\) PN \[([^\]]*)\]/g)].map((m) => m[1]?.trimEnd()); // PN values are padded to even length (PS3.5 6.2)
      expect(names).toEqual([name]);
    }
  });

  it('keeps each tenant’s audit trail to its own accesses', async () => {
    const alpha = (await (await tessera.fetch(`${tessera.baseUrl}/admin/tenants/alpha/audit-records?limit=1000`)).json()) as { message: string }[];
    const bravo = (await (await tessera.fetch(`${tessera.baseUrl}/admin/tenants/bravo/audit-records?limit=1000`)).json()) as { message: string }[];
    expect(alpha.length).toBeGreaterThan(0);
    expect(bravo.length).toBeGreaterThan(0);
    expect(alpha.filter((r) => r.message.includes('BRAVO'))).toEqual([]);
    expect(bravo.filter((r) => r.message.includes('Synthetic^Patient') || r.message.includes('ALPHA'))).toEqual([]);
  });
});
