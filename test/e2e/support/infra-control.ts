import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@tessera/testing';

const run = promisify(execFile);

/** Stops or starts one component of the test infrastructure with the project's own scripts. */
export async function infra(action: 'stop' | 'start', component: 'kafka' | 'postgres' | 'minio'): Promise<void> {
  await run(path.join(repoRoot(), 'scripts', 'infra', `${action}.sh`), [component], { cwd: repoRoot(), maxBuffer: 16 * 1024 * 1024 });
}
