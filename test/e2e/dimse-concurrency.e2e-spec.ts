import { DimseStatus } from '@tessera/dicom';
import { expectEventually, repoRoot, type SyntheticStudy, writeSyntheticStudy } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { storedInstancesOf } from './support/corpus';
import { storescu } from './support/dcmtk';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

describe.each(MODES)('concurrent and repeated C-STORE, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let study: SyntheticStudy;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `concurrency-${mode}-${process.pid}`);

  beforeAll(async () => {
    study = writeSyntheticStudy(dir, 200);
    backing = await createBacking(mode, 'concurrency');
    tessera = await startTessera(`concurrency-${mode}`, backing.env);
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes one 200-instance study from 4 parallel associations at once: nothing lost, nothing stored twice', async () => {
    // Every association sends the whole study, so every instance arrives four times, concurrently.
    const outcomes = await Promise.all([0, 1, 2, 3].map((i) => storescu(tessera.dimsePort, 'TESSERA', i % 2 === 0 ? study.files : [...study.files].reverse())));
    for (const association of outcomes) {
      expect(association).toHaveLength(200);
      expect(association.filter((o) => !(o.kind === 'status' && o.status === DimseStatus.Success))).toEqual([]);
    }
    const stored = storedInstancesOf(await backing.objectKeys());
    expect(stored).toHaveLength(200);
    expect(new Set(stored).size).toBe(200);

    await expectEventually(
      async () => {
        const res = await tessera.fetch(`${tessera.dicomweb}/studies?StudyInstanceUID=${study.studyInstanceUID}`, { headers: { Accept: 'application/dicom+json' } });
        const [match] = (await res.json()) as Record<string, { Value?: unknown[] }>[];
        expect(match?.['00201208']?.Value).toEqual([200]);
        expect(match?.['00201206']?.Value).toEqual([1]);
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const res = await tessera.fetch(`${tessera.dicomweb}/studies/${study.studyInstanceUID}/series/${study.seriesInstanceUID}/instances?limit=1000`, { headers: { Accept: 'application/dicom+json' } });
    expect(((await res.json()) as unknown[]).length).toBe(200);
  });

  it('stores an instance sent again once, and refuses different bytes under the same UID', async () => {
    const [again] = await storescu(tessera.dimsePort, 'TESSERA', [study.files[0] as string]);
    expect(again).toEqual({ kind: 'status', status: DimseStatus.Success });
    const changed = path.join(dir, 'changed.dcm');
    const bytes = fs.readFileSync(study.files[0] as string);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    fs.writeFileSync(changed, bytes);
    const [conflict] = await storescu(tessera.dimsePort, 'TESSERA', [changed]);
    expect(conflict).toEqual({ kind: 'status', status: DimseStatus.DuplicateSopInstance });
    expect(storedInstancesOf(await backing.objectKeys())).toHaveLength(200);
  });
});
