import { run } from './process';

/** DCMTK reads TCP_NODELAY from the environment; without it loopback DIMSE is 10-40x slower (ARCHITECTURE §8). */
export const DCMTK_ENV: NodeJS.ProcessEnv = { ...process.env, TCP_NODELAY: '1' };

/** What one storescu process reported. */
export interface SendResult {
  readonly files: number;
  /** Store responses with status Success. */
  readonly succeeded: number;
  readonly exitCode: number;
  readonly timedOut: boolean;
  /** The end of storescu's output, when something went wrong. */
  readonly problem?: string;
}

/**
 * Sends `files` on one association with storescu. `-v` prints one "Received Store Response (Success)"
 * line per stored instance, which is how successes are counted (storescu's exit code does not say
 * whether every store succeeded).
 */
export async function storescu(port: number, calledAE: string, files: readonly string[], timeoutMs: number, extra: readonly string[] = []): Promise<SendResult> {
  const args = ['-v', '--no-halt', '-aet', 'BENCH', '-aec', calledAE, ...extra, '127.0.0.1', String(port), ...files];
  const { code, output, timedOut } = await run('storescu', args, { env: DCMTK_ENV, timeoutMs });
  const succeeded = (output.match(/Received Store Response \(Success\)/g) ?? []).length;
  const failed = succeeded !== files.length || code !== 0 || timedOut;
  const problemLines = output.split('\n').filter((l) => /^[EFW]:/.test(l));
  return {
    files: files.length,
    succeeded,
    exitCode: code,
    timedOut,
    ...(failed ? { problem: [...problemLines.slice(0, 5), ...output.trim().split('\n').slice(-5)].join('\n') } : {}),
  };
}

/** True when a C-ECHO to the peer succeeds. */
export async function echoscu(port: number, calledAE: string): Promise<boolean> {
  const { code } = await run('echoscu', ['-aet', 'BENCH', '-aec', calledAE, '127.0.0.1', String(port)], { env: DCMTK_ENV, timeoutMs: 10_000 });
  return code === 0;
}

/** What one movescu run reported. */
export interface MoveResult {
  readonly ok: boolean;
  readonly timedOut: boolean;
  /** The end of movescu's output, when the final response was not Success. */
  readonly problem?: string;
}

/** Asks the target to C-MOVE a whole study (Study Root, PS3.4 C.4.2) to `destination`; -S: study root. */
export async function movescu(port: number, calledAE: string, destination: string, studyInstanceUID: string, timeoutMs: number): Promise<MoveResult> {
  const args = ['-v', '-S', '-aet', 'BENCH', '-aec', calledAE, '-aem', destination, '127.0.0.1', String(port), '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${studyInstanceUID}`];
  const { code, output, timedOut } = await run('movescu', args, { env: DCMTK_ENV, timeoutMs });
  const ok = code === 0 && !timedOut && output.includes('Received Final Move Response (Success)');
  return { ok, timedOut, ...(ok ? {} : { problem: output.trim().split('\n').slice(-8).join('\n') }) };
}
