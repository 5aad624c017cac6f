import { expectEventually } from '@tessera/testing';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { runPeer } from './support/python';
import { createBacking, MODES, pydicomTestFiles, startTessera, type Backing, type Tessera } from './support/tessera';

interface BulkResult {
  file: string;
  status: number;
  bulkParts: number;
  referenced: string[];
  transferSyntax: string;
  sentTransferSyntax: string;
  pixelsIdentical: boolean;
  attributesIdentical: boolean;
}

// STOW-RS of DICOM JSON metadata with bulk data parts (PS3.18 10.5.1.2), built by a Python peer from
// pydicom's test files and checked with dicomweb-client's retrieval.
describe.each(MODES)('STOW-RS metadata and bulk data, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;

  beforeAll(async () => {
    backing = await createBacking(mode, 'stowbulk');
    tessera = await startTessera(`stowbulk-${mode}`, backing.env);
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
  });

  it('stores native and JPEG pixel data sent as bulk data parts, pixel-identical on retrieval', async () => {
    const files = ['CT_small.dcm', 'SC_rgb_jpeg_dcmtk.dcm'].map((f) => path.join(pydicomTestFiles(), f));
    const results = await runPeer<BulkResult[]>('dicomweb_stow_delete_peer.py', ['bulk'], { base: tessera.dicomweb, token: await tessera.token('technologist'), files });
    expect(results).toEqual([
      expect.objectContaining({ file: 'CT_small.dcm', status: 200, transferSyntax: '1.2.840.10008.1.2.1', pixelsIdentical: true, attributesIdentical: true }),
      expect.objectContaining({ file: 'SC_rgb_jpeg_dcmtk.dcm', status: 200, transferSyntax: '1.2.840.10008.1.2.4.50', pixelsIdentical: true, attributesIdentical: true }),
    ]);
    for (const r of results) expect(r.referenced).toHaveLength(1);
  });

  it('refuses a malformed body, a missing boundary, a truncated part and an unknown Content-Location, and stores none of them', async () => {
    const study = `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`)}`;
    const sentinel = `${study}.9`;
    const token = await tessera.token('technologist');
    const out = await runPeer<{ statuses: Record<string, number>; reasons: Record<string, unknown> }>('dicomweb_stow_delete_peer.py', ['bad'], {
      base: tessera.dicomweb,
      token,
      file: path.join(pydicomTestFiles(), 'CT_small.dcm'),
      study,
      sentinel,
    });
    expect(out.statuses).toEqual({ malformed: 400, missingBoundary: 400, truncated: 400, unknownLocation: 409, sentinel: 200 });
    // C000H: the instance cannot be assembled, its BulkDataURI naming no part.
    expect(out.reasons.unknownLocation).toEqual([0xc000]);
    // The index sees a study's events in order: once the sentinel, sent last, is visible, anything stored before it would be too.
    await expectEventually(async () => {
      const res = await tessera.fetch(`${tessera.dicomweb}/studies/${study}/instances`, { headers: { Accept: 'application/dicom+json' } });
      expect(res.status).toBe(200);
      const instances = (await res.json()) as Record<string, { Value?: unknown[] }>[];
      expect(instances.map((i) => i['00080018']?.Value?.[0])).toEqual([sentinel]);
    }, { timeoutMs: 60_000 });
  });
});
