import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { expectEventually, freePort } from '@tessera/testing';

const run = promisify(execFile);

/** DCMTK reads TCP_NODELAY from the environment; without it loopback DIMSE crawls. */
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

/** What storescu reported for one file. */
export type StoreOutcome = { readonly kind: 'status'; readonly status: number } | { readonly kind: 'not-sent'; readonly reason: string };

// storescu proposes a compressed transfer syntax only when told which one (and all uncompressed ones).
const PROPOSE: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.50': '-xy',
  '1.2.840.10008.1.2.4.51': '-xx',
  '1.2.840.10008.1.2.4.70': '-xs',
  '1.2.840.10008.1.2.4.80': '-xt',
  '1.2.840.10008.1.2.4.81': '-xu',
  '1.2.840.10008.1.2.4.90': '-xv',
  '1.2.840.10008.1.2.4.91': '-xw',
  '1.2.840.10008.1.2.5': '-xr',
  '1.2.840.10008.1.2.1.99': '-xd',
  '1.2.840.10008.1.2.2': '-xb',
  '1.2.840.10008.1.2': '-xi',
};

/** Sends files with DCMTK storescu on one association; returns the status of each, in order. */
export async function storescu(port: number, calledAET: string, files: readonly string[], transferSyntax?: string): Promise<StoreOutcome[]> {
  const flag = transferSyntax ? PROPOSE[transferSyntax] : undefined;
  const args = ['-d', '-R', '--no-halt', '-aet', 'STORESCU', '-aec', calledAET, ...(flag ? [flag] : []), '127.0.0.1', String(port), ...files];
  let output: string;
  try {
    const { stdout, stderr } = await run('storescu', args, { env: DCMTK_ENV, maxBuffer: 256 * 1024 * 1024 });
    output = stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    output = (e.stdout ?? '') + (e.stderr ?? '');
  }
  return parseStoreOutput(output, files.length);
}

function parseStoreOutput(output: string, count: number): StoreOutcome[] {
  const refusal = /F: (missing SOP class.*|.*No presentation context.*|Association Rejected.*)/.exec(output);
  const statuses = [...output.matchAll(/DIMSE Status\s*: 0x([0-9a-fA-F]{4})/g)].map((m) => Number.parseInt(m[1] as string, 16));
  if (statuses.length === 0) return new Array<StoreOutcome>(count).fill({ kind: 'not-sent', reason: refusal?.[1] ?? lastLines(output) });
  return statuses.map((status) => ({ kind: 'status', status }));
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

/**
 * DCMTK's storescp in bit-preserving mode: the reference receiver. What it writes is exactly the
 * data set storescu transmitted, so "byte-identical to what was sent" has an independent witness.
 */
export class ReferenceStoreScp {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dir: string,
    readonly aeTitle: string,
  ) {}

  /**
   * Starts one on a free port. `implicitOnly` makes it accept nothing but Implicit VR Little Endian
   * (storescp +xi), the least a storage SCP must accept.
   */
  static async start(dir: string, options: { readonly aeTitle?: string; readonly implicitOnly?: boolean } = {}): Promise<ReferenceStoreScp> {
    fs.mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const aeTitle = options.aeTitle ?? 'REFSCP';
    const child = spawn('storescp', ['-B', options.implicitOnly ? '+xi' : '+xa', '--unique-filenames', '-aet', aeTitle, '-od', dir, String(port)], { env: DCMTK_ENV, stdio: 'ignore' });
    const scp = new ReferenceStoreScp(child, port, dir, aeTitle);
    await expectEventually(async () => {
      const { stdout } = await run('echoscu', ['-aec', aeTitle, '127.0.0.1', String(port)], { env: DCMTK_ENV }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? 'failed' }));
      expect(stdout).not.toContain('failed');
    });
    return scp;
  }

  /** The files it has written so far. */
  files(): string[] {
    return fs.readdirSync(this.dir).map((f) => path.join(this.dir, f));
  }

  /** Sends one file and returns the file storescp wrote for it, or undefined if none. */
  async receive(file: string, transferSyntax?: string): Promise<{ outcome: StoreOutcome; written?: string }> {
    const before = new Set(fs.readdirSync(this.dir));
    const [outcome] = await storescu(this.port, this.aeTitle, [file], transferSyntax);
    const added = fs.readdirSync(this.dir).filter((f) => !before.has(f));
    return { outcome: outcome as StoreOutcome, ...(added[0] ? { written: path.join(this.dir, added[0]) } : {}) };
  }

  async stop(): Promise<void> {
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await done;
  }
}
