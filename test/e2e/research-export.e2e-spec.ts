import { DimseStatus } from '@tessera/dicom';
import { expectEventually, repoRoot, writeSyntheticStudy, type SyntheticStudy } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { storescu } from './support/dcmtk';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

type Json = Record<string, { Value?: unknown[] }>;
const text = (m: Json | undefined, key: string): unknown => {
  const v = m?.[key]?.Value?.[0];
  return v && typeof v === 'object' && 'Alphabetic' in v ? (v as { Alphabetic: string }).Alphabetic : v;
};

// Issue 6: a researcher sees de-identified data only. An administrator exports a study,
// de-identified (PS3.15 Annex E), into a research tenant; the researcher reads it there and
// nothing else; in an identified tenant, the researcher reads through an on-the-fly de-identified view.
describe.each(MODES)('de-identified export into a research tenant, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let study: SyntheticStudy;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `research-${mode}-${process.pid}`);
  const exportStudy = (project: string) =>
    tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/research-exports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ study: study.studyInstanceUID, to: 'research', project, options: ['retainLongitudinalModifiedDates'] }) });

  beforeAll(async () => {
    study = writeSyntheticStudy(dir, 3, { rows: 16, columns: 16, patientId: 'IDENTIFIED-1' });
    backing = await createBacking(mode, 'research');
    tessera = await startTessera(`research-${mode}`, { ...backing.env, TESSERA_TENANTS: 'default,research', TESSERA_RESEARCH_TENANTS: 'research', DEID_SECRET: 'an e2e secret of some length' });
    const stored = await storescu(tessera.dimsePort, 'TESSERA', study.files);
    expect(stored.every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
    await expectEventually(async () => expect(await (await tessera.fetch(`${tessera.dicomweb}/studies?PatientID=IDENTIFIED-1`)).json()).toHaveLength(1), { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exports the study de-identified, with the same new UIDs for every export of a project and others for another project', async () => {
    const first = await exportStudy('lung-ai');
    expect(first.status).toBe(201);
    const body = (await first.json()) as { studyInstanceUID: string; stored: number; failed: unknown[] };
    expect(body).toMatchObject({ stored: 3, failed: [] });
    expect(body.studyInstanceUID).not.toBe(study.studyInstanceUID);
    expect(((await (await exportStudy('lung-ai')).json()) as { studyInstanceUID: string }).studyInstanceUID).toBe(body.studyInstanceUID);
    expect(((await (await exportStudy('other-project')).json()) as { studyInstanceUID: string }).studyInstanceUID).not.toBe(body.studyInstanceUID);

    // The researcher finds the project's study in the research tenant, without who it was.
    let found: Json[] = [];
    await expectEventually(async () => {
      found = (await (await tessera.fetch(`${tessera.dicomwebOf('research')}/studies?StudyInstanceUID=${body.studyInstanceUID}&includefield=all`, {}, 'researcher')).json()) as Json[];
      expect(found).toHaveLength(1);
    }, { timeoutMs: 60_000 });
    expect(text(found[0], '00100020')).not.toBe('IDENTIFIED-1');
    expect(text(found[0], '00100010')).not.toBe('Synthetic^Patient');
    const metadata = (await (await tessera.fetch(`${tessera.dicomwebOf('research')}/studies/${body.studyInstanceUID}/metadata`, {}, 'researcher')).json()) as Json[];
    expect(metadata).toHaveLength(3);
    for (const instance of metadata) {
      expect(text(instance, '00120062')).toBe('YES'); // Patient Identity Removed (PS3.15 E.1.1)
      expect(JSON.stringify(instance)).not.toContain('IDENTIFIED-1');
      expect(JSON.stringify(instance)).not.toContain(study.studyInstanceUID);
    }
  });

  it('shows a researcher an identified tenant only through the de-identified view', async () => {
    const studies = (await (await tessera.fetch(`${tessera.dicomweb}/studies?StudyInstanceUID=${study.studyInstanceUID}&includefield=all`, {}, 'researcher')).json()) as Json[];
    expect(studies).toHaveLength(1);
    expect(text(studies[0], '00100020')).toMatch(/^P[0-9A-F]{15}$/);
    expect(JSON.stringify(studies)).not.toContain('IDENTIFIED-1');
    expect(JSON.stringify(studies)).not.toContain('Synthetic^Patient');
    // No looking anyone up through the view.
    expect((await tessera.fetch(`${tessera.dicomweb}/studies?PatientID=IDENTIFIED-1`, {}, 'researcher')).status).toBe(400);
    expect((await tessera.fetch(`${tessera.dicomweb}/studies?PatientName=Synth*`, {}, 'researcher')).status).toBe(400);
    const metadata = (await (await tessera.fetch(`${tessera.dicomweb}/studies/${study.studyInstanceUID}/metadata`, {}, 'researcher')).json()) as Json[];
    expect(metadata).toHaveLength(3);
    for (const instance of metadata) {
      expect(text(instance, '00120062')).toBe('YES');
      expect(text(instance, '00100020')).toBe(text(studies[0], '00100020')); // the same pseudonym in every answer
    }
    const retrieved = await tessera.fetch(`${tessera.dicomweb}/studies/${study.studyInstanceUID}`, { headers: { Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } }, 'researcher');
    expect(retrieved.status).toBe(200);
    const bytes = Buffer.from(await retrieved.arrayBuffer()).toString('latin1');
    expect(bytes).not.toContain('IDENTIFIED-1');
    expect(bytes).not.toContain('Synthetic^Patient');
    expect(bytes).toContain(text(studies[0], '00100020') as string);
    // Bulk data is not de-identified, so the view does not open it.
    const sop = text(metadata[0], '00080018') as string;
    const series = text(metadata[0], '0020000E') as string;
    expect((await tessera.fetch(`${tessera.dicomweb}/studies/${study.studyInstanceUID}/series/${series}/instances/${sop}/bulkdata/0-16`, {}, 'researcher')).status).toBe(403);
  });

  it('keeps exports to administrators of both tenants', async () => {
    expect((await tessera.fetch(`${tessera.dicomwebOf('research')}/studies`, {}, 'radiologist')).status).toBe(200);
    expect((await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/research-exports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 'researcher')).status).toBe(403);
    const notResearch = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/research/research-exports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ study: study.studyInstanceUID, to: 'default', project: 'x' }) });
    expect(notResearch.status).toBe(400);
  });

  it('audits the export', async () => {
    const records = (await (await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/audit-records?eventType=110106`)).json()) as { patientIds: string[] }[];
    expect(records.length).toBeGreaterThanOrEqual(3);
    expect(records[0]?.patientIds[0]).toContain('IDENTIFIED-1');
  });
});
