import { expectEventually } from '@tessera/testing';
import * as fs from 'node:fs';
import { loadCorpus, qidoInstanceCount, storedInstancesOf, tenantSettings, writeReport, type CorpusFile, type Verdict } from './support/corpus';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

interface StowResult {
  path: string;
  sent: boolean;
  reason?: string;
  verdict?: Verdict;
  http?: number;
  referenced?: string[];
  failed?: { sop: string; reason: number }[];
}

// FailureReason values Tessera gives for an instance it refuses (docs/conformance.md).
const SPECIFIC_FAILURES = [0xa900, 0xc000, 0xc001, 0x0122, 0xa700];

describe.each(MODES)('the pydicom test files over STOW-RS with dicomweb-client, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let files: CorpusFile[];

  beforeAll(async () => {
    const corpus = await loadCorpus();
    files = corpus.files;
    backing = await createBacking(mode, 'stow-corpus');
    tessera = await startTessera(`stow-corpus-${mode}`, { ...backing.env, ...tenantSettings(corpus.tenants) });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
  });

  it('stores each valid file as dicomweb-client sent it, finds and retrieves it with dicomweb-client, and refuses each invalid one', async () => {
    const token = await tessera.token('technologist');
    const results = await runPeer<StowResult[]>('dicomweb_peer.py', ['stow'], files.map((f) => ({ path: f.path, base: tessera.dicomwebOf(f.tenant), token })));
    const rows = results.map((r, i) => ({ ...r, file: (files[i] as CorpusFile).name, tenant: (files[i] as CorpusFile).tenant }));
    writeReport(`stow-corpus-${mode}`, rows);
    const sent = rows.filter((r) => r.sent);
    const valid = sent.filter((r) => r.verdict?.valid);
    const invalid = sent.filter((r) => !r.verdict?.valid);
    expect(valid.length).toBeGreaterThan(100);
    expect(valid.filter((r) => !(r.http === 200 && r.referenced?.length === 1 && r.referenced[0] === r.verdict?.sop)).map((r) => ({ file: r.file, http: r.http, failed: r.failed }))).toEqual([]);
    // Refused with PS3.18 409 and a specific FailureReason, or 400 when the part is not a Part 10 file at all.
    const unspecific = invalid.filter((r) => !((r.http === 409 && r.failed?.length === 1 && SPECIFIC_FAILURES.includes(r.failed[0]?.reason as number)) || r.http === 400));
    expect(unspecific.map((r) => ({ file: r.file, http: r.http, failed: r.failed }))).toEqual([]);

    for (const tenant of [...new Set(valid.map((r) => r.tenant))]) {
      const expected = new Set(valid.filter((r) => r.tenant === tenant).map((r) => r.verdict?.sop)).size;
      await expectEventually(async () => expect(await qidoInstanceCount(tessera, tessera.dicomwebOf(tenant))).toBe(expected), { timeoutMs: 60_000, intervalMs: 250 });
    }
    const checks = await runPeer<{ file: string; found: Record<string, number>; parts: number; retrievedDigest: string; expectedDigest: string }[]>(
      'dicomweb_peer.py',
      ['verify'],
      valid.map((r) => ({ base: tessera.dicomwebOf(r.tenant), token, study: r.verdict?.study, series: r.verdict?.series, sop: r.verdict?.sop, file: r.file, expectedDigest: r.verdict?.digest })),
    );
    const wrong = checks.filter((c) => c.found.studies !== 1 || c.found.series !== 1 || c.found.instances !== 1 || c.parts !== 1 || c.retrievedDigest !== c.expectedDigest);
    expect(wrong).toEqual([]);
    expect(checks).toHaveLength(valid.length);

    const stored = storedInstancesOf(await backing.objectKeys()).sort();
    expect(stored).toEqual([...new Set(valid.map((r) => `${r.tenant}/${r.verdict?.sop}`))].sort());
  });

  it('answers malformed requests with the right 4xx and a reason, storing nothing', async () => {
    const before = (await backing.objectKeys()).length;
    const file = fs.readFileSync((files.find((f) => f.name === 'CT_small.dcm') as CorpusFile).path);
    const part = (boundary: string) => Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const post = async (contentType: string | undefined, body: Buffer) => {
      const res = await tessera.fetch(`${tessera.dicomwebOf('t5')}/studies`, { method: 'POST', headers: contentType ? { 'Content-Type': contentType } : {}, body });
      return { status: res.status, message: ((await res.json()) as { message?: string }).message ?? '' };
    };
    const related = (boundary: string) => `multipart/related; type="application/dicom"; boundary=${boundary}`;

    expect(await post(related('xyz'), part('xyz').subarray(0, file.length / 2))).toEqual({ status: 400, message: expect.stringContaining('truncated') });
    expect(await post(related('other'), part('xyz'))).toEqual({ status: 400, message: expect.stringContaining('no multipart delimiter') });
    expect(await post('multipart/related; type="application/dicom"', part('xyz'))).toEqual({ status: 400, message: expect.stringContaining('boundary') });
    expect(await post('application/dicom', file)).toEqual({ status: 415, message: expect.stringContaining('multipart/related') });
    expect(await post('application/json', Buffer.from('{}'))).toEqual({ status: 415, message: expect.stringContaining('multipart/related') });
    expect(await post('multipart/related; type="application/pdf"; boundary=xyz', part('xyz'))).toEqual({ status: 415, message: expect.stringContaining('application/pdf') });
    const res = await tessera.fetch(`${tessera.dicomweb}/studies/not-a-uid`, { method: 'POST', headers: { 'Content-Type': related('xyz') }, body: part('xyz') });
    expect(res.status).toBe(400);
    expect((await backing.objectKeys()).length).toBe(before);
  });
});
