import { DimseStatus } from '@tessera/dicom';
import { expectEventually, repoRoot } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCorpus, qidoInstanceCount, storedInstancesOf, tenantSettings, writeReport, type CorpusFile, type Verdict } from './support/corpus';
import { ReferenceStoreScp, storescu, type StoreOutcome } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

// The failure statuses Tessera gives for an instance it refuses (docs/conformance.md).
const SPECIFIC_FAILURES = [DimseStatus.DataSetDoesNotMatchSopClass, 0xc000, 0xc001, DimseStatus.SopClassNotSupported, DimseStatus.OutOfResources];

describe.each(MODES)('the pydicom test files over DIMSE C-STORE, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let reference: ReferenceStoreScp;
  let files: CorpusFile[];
  const referenceDir = path.join(repoRoot(), 'tmp', 'e2e', `reference-${mode}-${process.pid}`);

  beforeAll(async () => {
    const corpus = await loadCorpus();
    files = corpus.files;
    backing = await createBacking(mode, 'dimse-corpus');
    tessera = await startTessera(`dimse-corpus-${mode}`, { ...backing.env, ...tenantSettings(corpus.tenants) });
    reference = await ReferenceStoreScp.start(referenceDir);
  });

  afterAll(async () => {
    await reference?.stop();
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(referenceDir, { recursive: true, force: true });
  });

  it('stores each valid file byte for byte, finds it by QIDO, and refuses each invalid one leaving nothing behind', async () => {
    // DCMTK's own storescp records exactly what storescu transmits; pydicom judges those copies.
    const references: { file: CorpusFile; sent: StoreOutcome; written?: string }[] = [];
    for (const file of files) {
      const { outcome, written } = await reference.receive(file.path, file.transferSyntaxUID ?? undefined);
      references.push({ file, sent: outcome, ...(written ? { written } : {}) });
    }
    const written = references.filter((r) => r.written);
    const verdicts = await runPeer<Verdict[]>('corpus.py', ['judge', ...written.map((r) => r.written as string)]);
    const verdictOf = new Map(written.map((r, i) => [r.file.path, verdicts[i] as Verdict]));
    // Tessera gets the same transmission.
    const rows: { file: string; tenant: string; sent: StoreOutcome; tessera?: StoreOutcome; verdict?: Verdict }[] = [];
    for (const r of references) {
      const verdict = verdictOf.get(r.file.path);
      if (r.sent.kind === 'not-sent' || !verdict) {
        rows.push({ file: r.file.name, tenant: r.file.tenant, sent: r.sent });
        continue;
      }
      const [outcome] = await storescu(tessera.dimsePort, r.file.tenant.toUpperCase(), [r.file.path], r.file.transferSyntaxUID ?? undefined);
      rows.push({ file: r.file.name, tenant: r.file.tenant, sent: r.sent, tessera: outcome as StoreOutcome, verdict });
    }
    writeReport(`dimse-corpus-${mode}`, rows);

    const sent = rows.filter((r) => r.tessera);
    const valid = sent.filter((r) => r.verdict?.valid);
    const invalid = sent.filter((r) => !r.verdict?.valid);
    expect(valid.length).toBeGreaterThan(100);
    for (const r of valid) expect({ file: r.file, status: r.tessera }).toEqual({ file: r.file, status: { kind: 'status', status: DimseStatus.Success } });
    for (const r of invalid) {
      expect({ file: r.file, failedSpecifically: r.tessera?.kind === 'status' && SPECIFIC_FAILURES.includes(r.tessera.status) }).toEqual({ file: r.file, failedSpecifically: true });
    }

    // Everything acknowledged gets indexed; then every valid file is found and retrieved unchanged.
    const tenants = [...new Set(valid.map((r) => r.tenant))];
    for (const tenant of tenants) {
      const expected = new Set(valid.filter((r) => r.tenant === tenant).map((r) => r.verdict?.sop)).size;
      await expectEventually(async () => expect(await qidoInstanceCount(tessera, tessera.dicomwebOf(tenant))).toBe(expected), { timeoutMs: 60_000, intervalMs: 250 });
    }
    const radiologist = await tessera.token('radiologist');
    const checks = await runPeer<{ study: string; found: Record<string, number>; parts: number; retrievedDigest: string; expectedDigest: string; file: string }[]>(
      'dicomweb_peer.py',
      ['verify'],
      valid.map((r) => ({ base: tessera.dicomwebOf(r.tenant), token: radiologist, study: r.verdict?.study, series: r.verdict?.series, sop: r.verdict?.sop, file: r.file, expectedDigest: r.verdict?.digest })),
    );
    writeReport(`dimse-corpus-${mode}-retrieved`, checks);
    const wrong = checks.filter((c) => c.found.studies !== 1 || c.found.series !== 1 || c.found.instances !== 1 || c.parts !== 1 || c.retrievedDigest !== c.expectedDigest);
    expect(wrong.map((c) => ({ file: c.file, found: c.found, parts: c.parts, same: c.retrievedDigest === c.expectedDigest }))).toEqual([]);
    expect(checks).toHaveLength(valid.length);

    // Nothing half-stored stays: the object store holds exactly the acknowledged instances.
    const stored = storedInstancesOf(await backing.objectKeys()).sort();
    expect(stored).toEqual([...new Set(valid.map((r) => `${r.tenant}/${r.verdict?.sop}`))].sort());
  });
});
