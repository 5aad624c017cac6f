import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { python } from './tessera';

const run = promisify(execFile);

/** Runs a peer script of test/e2e/peers with the test venv's Python and returns its JSON output. */
export async function runPeer<T>(script: string, args: readonly string[], input?: unknown): Promise<T> {
  const child = run(python(), [path.join(__dirname, '..', 'peers', script), ...args], { maxBuffer: 512 * 1024 * 1024, env: { ...process.env, TCP_NODELAY: '1' } });
  if (input !== undefined) {
    child.child.stdin?.end(JSON.stringify(input));
  }
  try {
    const { stdout } = await child;
    return JSON.parse(stdout) as T;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${script} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}
