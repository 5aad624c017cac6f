import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@tessera/testing';
import { runPeer } from './python';
import { pydicomTestFiles, type Tessera } from './tessera';

/** One file of pydicom's bundled test set, with the tenant it goes to. */
export interface CorpusFile {
  readonly path: string;
  readonly name: string;
  readonly sopInstanceUID: string | null;
  readonly transferSyntaxUID: string | null;
  /** Files that share a SOP Instance UID (different encodings of one object) go to different tenants. */
  readonly tenant: string;
}

/** The verdict of test/e2e/peers/dicom_validity.py on what was actually sent. */
export interface Verdict {
  readonly valid: boolean;
  readonly reason: string | null;
  readonly digest: string;
  readonly study: string | null;
  readonly series: string | null;
  readonly sop: string | null;
}

export async function loadCorpus(): Promise<{ files: CorpusFile[]; tenants: string[] }> {
  const root = pydicomTestFiles();
  const listed = await runPeer<{ path: string; sopInstanceUID: string | null; transferSyntaxUID: string | null }[]>('corpus.py', ['list', root]);
  const seen = new Map<string, number>();
  const files = listed.map((f) => {
    const n = f.sopInstanceUID ? (seen.get(f.sopInstanceUID) ?? 0) : 0;
    if (f.sopInstanceUID) seen.set(f.sopInstanceUID, n + 1);
    return { ...f, name: path.relative(root, f.path), tenant: `t${n}` };
  });
  const count = Math.max(1, ...seen.values());
  return { files, tenants: Array.from({ length: count }, (_, i) => `t${i}`) };
}

/** Settings that give every corpus tenant an AE title T0, T1, … */
export function tenantSettings(tenants: readonly string[]): Record<string, string> {
  return { TESSERA_TENANTS: tenants.join(','), DIMSE_AE_TITLES: tenants.map((t) => `${t.toUpperCase()}=${t}`).join(',') };
}

/** Keeps a scenario's per-file outcomes for people to read (tmp/e2e-logs/<name>.json). */
export function writeReport(name: string, rows: unknown): void {
  const dir = path.join(repoRoot(), 'tmp', 'e2e-logs');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(rows, null, 2));
}

/** Every instance of a tenant that QIDO-RS lists. */
export async function qidoInstanceCount(tessera: Tessera, base: string): Promise<number> {
  const res = await tessera.fetch(`${base}/instances?limit=1000`, { headers: { Accept: 'application/dicom+json' } });
  if (res.status !== 200) throw new Error(`QIDO answered ${res.status}`);
  return ((await res.json()) as unknown[]).length;
}

/** "tenant/study/series/sop/upload.dcm" keys as "tenant/sop"; other keys are returned as they are. */
export function storedInstancesOf(keys: readonly string[]): string[] {
  return keys.map((k) => {
    const parts = k.split('/');
    return parts.length === 5 ? `${parts[0]}/${parts[3]}` : k;
  });
}
