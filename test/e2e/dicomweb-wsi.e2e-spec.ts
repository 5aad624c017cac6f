import { expectEventually, repoRoot } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

interface Slide {
  study: string;
  series: string;
  files: string[];
  levels: { sop: string; columns: number; rows: number; frames: number }[];
}

interface Comparison {
  levels: { level: number; width: number; height: number; tiles: number }[];
  compared: number;
  mismatches: { level?: number; tile?: [number, number]; what: string }[];
}

// Four levels of 256 x 256 JPEG tiles: 192 + 48 + 12 + 4 frames, about 4 MB in all.
const SLIDE = ['--tiles-across', '16', '--tiles-down', '12', '--tile', '256', '--levels', '4'];
const TILES_PER_LEVEL = 24;

describe.each(MODES)('a whole-slide image through DICOMweb, read by wsidicom, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let slide: Slide;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `wsi-${mode}-${process.pid}`);

  beforeAll(async () => {
    slide = await runPeer<Slide>('wsi_peer.py', ['generate', '--out', dir, ...SLIDE]);
    backing = await createBacking(mode, 'wsi');
    tessera = await startTessera(`wsi-${mode}`, backing.env);
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores a TILED_FULL pyramid over STOW-RS, and wsidicom reads the same tiles through DICOMweb as from the files, at every level', async () => {
    const { stored } = await runPeer<{ stored: string[] }>('wsi_peer.py', ['stow'], { base: tessera.dicomweb, token: await tessera.token('technologist'), files: slide.files });
    expect(stored).toEqual(slide.levels.map((l) => l.sop));
    await expectEventually(
      async () => {
        const res = await tessera.fetch(`${tessera.dicomweb}/studies?StudyInstanceUID=${slide.study}`);
        expect(((await res.json()) as Record<string, { Value?: unknown[] }>[])[0]?.['00201208']?.Value).toEqual([slide.levels.length]);
      },
      { timeoutMs: 60_000 },
    );
    const result = await runPeer<Comparison>('wsi_peer.py', ['compare'], { base: tessera.dicomweb, token: await tessera.token('radiologist'), study: slide.study, series: slide.series, dir, tilesPerLevel: TILES_PER_LEVEL, seed: 7 });
    // Every differing tile, by level and position, rather than a count.
    expect(result.mismatches).toEqual([]);
    expect(result.levels.map((l) => [l.width, l.height])).toEqual(slide.levels.map((l) => [l.columns, l.rows]));
    // Random tiles and the two corners of each level; all of a level that has fewer.
    expect(result.compared).toBeGreaterThanOrEqual(slide.levels.reduce((n, l) => n + Math.min(TILES_PER_LEVEL, l.frames), 0));
  });
});
