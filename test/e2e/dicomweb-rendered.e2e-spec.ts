import { expectEventually, pydicomTestFiles, repoRoot } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

interface Ids {
  readonly path: string;
  readonly study: string;
  readonly series: string;
  readonly sop: string;
}

// pydicom's files: a 128×128 CT (Explicit VR Little Endian, Rescale Intercept −1024, no window of its
// own) and a two-frame 100×100 RGB secondary capture in RLE Lossless.
const FILES = ['CT_small.dcm', 'SC_rgb_rle_2frame.dcm'];
// And two 64×64 DX images the peer makes with pydicom (its own LUT test files are not at hand): one
// with a VOI LUT Sequence and no window, one with a Modality LUT Sequence of 65536 entries.

describe.each(MODES)('WADO-RS rendered and thumbnail resources and WADO-URI, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let ct: Ids;
  let multiframe: Ids;
  let voiLut: Ids;
  let modalityLut: Ids;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `rendered-${mode}-${process.pid}`);

  beforeAll(async () => {
    fs.mkdirSync(dir, { recursive: true });
    const made = await runPeer<string[]>('dicomweb_rendered_peer.py', ['lut_images'], { dir });
    const files = [...FILES.map((f) => path.join(pydicomTestFiles(), f)), ...made];
    [ct, multiframe, voiLut, modalityLut] = (await runPeer<Ids[]>('dicomweb_rendered_peer.py', ['uids'], files)) as [Ids, Ids, Ids, Ids];
    backing = await createBacking(mode, 'rendered');
    tessera = await startTessera(`rendered-${mode}`, backing.env);
    expect(await runPeer('dicomweb_rendered_peer.py', ['store'], { base: tessera.dicomweb, token: await tessera.token('radiologist'), paths: files })).toEqual({ stored: 4 });
    await expectEventually(async () => {
      for (const ids of [ct, multiframe, voiLut, modalityLut]) {
        const res = await tessera.fetch(`${tessera.dicomweb}/studies/${ids.study}/series/${ids.series}/instances?SOPInstanceUID=${ids.sop}`, { headers: { Accept: 'application/dicom+json' } });
        expect(await res.json()).toHaveLength(1);
      }
    }, { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('renders, windows, scales and selects frames as dicomweb-client, requests and Pillow see it, with WADO-URI both ways and the 4xx cases', async () => {
    const facts = await runPeer<Record<string, unknown>>('dicomweb_rendered_peer.py', ['check'], { base: tessera.dicomweb, token: await tessera.token('radiologist'), ct, multiframe });
    expect(facts).toEqual({
      ctPng: { format: 'PNG', mode: 'L', size: [128, 128], maxError: 0 },
      ctJpegViewport: { format: 'JPEG', size: [64, 64], meanErrorBelow4: true },
      frame2: { mode: 'RGB', size: [100, 100], equalsPydicom: true },
      frames21: { status: 200, parts: 2, inOrder: [true, true] },
      studyRendered: { status: 200, parts: 1 },
      thumbnails: {
        study: { status: 200, type: 'image/jpeg', size: [100, 100] },
        series: { status: 200, type: 'image/jpeg', size: [100, 100] },
        instance: { status: 200, type: 'image/jpeg', size: [128, 128] },
      },
      wadoUriPng: { status: 200, type: 'image/png', maxError: 0 },
      wadoUriDefault: { status: 200, type: 'image/jpeg', size: [32, 32] },
      wadoUriDicom: { status: 200, type: 'application/dicom', sop: ct.sop, transferSyntax: '1.2.840.10008.1.2.1', pixelsEqual: true },
      errors: { badWindow: 400, badViewport: 400, pdf: 406, frame3of2: 404, unknownInstance: 404, wadoNoRequestType: 400, wadoGif: 406, wadoUnknown: 404 },
    });
  });

  it('applies a VOI LUT Sequence and a Modality LUT Sequence as pydicom does, within 1 of its values brought to 8 bits', async () => {
    type Fact = { mode: string; size: number[]; maxError: number; distinct: number };
    const facts = await runPeer<Record<'voi' | 'modality', Fact>>('dicomweb_rendered_peer.py', ['check_luts'], { base: tessera.dicomweb, token: await tessera.token('radiologist'), voi: voiLut, modality: modalityLut });
    // ±1: pydicom's values are rounded half to even, Tessera's half up. `distinct` shows the LUT made a picture, not a flat field.
    for (const fact of [facts.voi, facts.modality]) {
      expect({ mode: fact.mode, size: fact.size }).toEqual({ mode: 'L', size: [64, 64] });
      expect(fact.maxError).toBeLessThanOrEqual(1);
      expect(fact.distinct).toBeGreaterThan(100);
    }
  });

  it('audits a WADO-URI retrieval as Instances Transferred of the study named in its query', async () => {
    const reads = async () => {
      const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/audit-records?limit=1000&eventType=110104`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { action: string; studyInstanceUIDs: string[]; userIds: string[] }[]).filter((r) => r.action === 'R' && r.studyInstanceUIDs.includes(ct.study));
    };
    // The records of earlier requests are written once each exchange is over: let them settle first.
    let before = -1;
    await expectEventually(async () => {
      const now = (await reads()).length;
      const settled = now === before;
      before = now;
      expect(settled).toBe(true);
    }, { timeoutMs: 10_000 });
    const query = new URLSearchParams({ requestType: 'WADO', studyUID: ct.study, seriesUID: ct.series, objectUID: ct.sop });
    // By a caller who has not read the study before: the radiologist's renderings of it within the
    // last minute would stand for this read too (one message per caller, study and minute, audit.md).
    const res = await tessera.fetch(`${tessera.dicomweb}/wado?${query.toString()}`, {}, 'technologist');
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await expectEventually(async () => expect(await reads()).toHaveLength(before + 1), { timeoutMs: 10_000 });
    expect((await reads()).filter((r) => r.userIds.includes('technologist') && r.userIds.some((u) => u.endsWith('/dicomweb/wado')))).toHaveLength(1);
  });

  it('lets a grantee render and fetch by WADO-URI only the study shared with them', async () => {
    const shared = await tessera.fetch(
      `${tessera.baseUrl}/admin/tenants/default/study-grants`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ study: ct.study, grantee: { subject: 'referring-physician' }, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), reason: 'rendered e2e' }) },
      'radiologist',
    );
    expect(shared.status).toBe(201);
    const referrer = await tessera.token('referring-physician');
    const status = async (url: string) => (await fetch(url, { headers: { Authorization: `Bearer ${referrer}` } })).status;
    const wado = (ids: Ids) => `${tessera.dicomweb}/wado?${new URLSearchParams({ requestType: 'WADO', studyUID: ids.study, seriesUID: ids.series, objectUID: ids.sop }).toString()}`;
    expect(await status(wado(ct))).toBe(200);
    expect(await status(wado(multiframe))).toBe(403);
    expect(await status(`${tessera.dicomweb}/studies/${ct.study}/thumbnail`)).toBe(200);
    expect(await status(`${tessera.dicomweb}/studies/${multiframe.study}/thumbnail`)).toBe(403);
  });
});
