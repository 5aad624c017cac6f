import { spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';


export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined; throws `describe()` after the timeout. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, describe: () => string, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(describe());
    await sleep(intervalMs);
  }
}

/** The last `bytes` of a log file, for error messages. */
export function logTail(file: string, bytes = 3000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > bytes ? `…${text.slice(-bytes)}` : text;
  } catch {
    return '(no log)';
  }
}

/** A long-running server process we started, logging to a file, stopped by its pid. */
export class Server {
  private exitCode: number | null | undefined = undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly pid: number,
    readonly logFile: string,
    private readonly logFd: number,
    child: ReturnType<typeof spawn>,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : 0);
        resolve();
      }),
    );
  }

  static start(name: string, command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string; logFile: string }): Server {
    const fd = fs.openSync(options.logFile, 'a');
    const spawnOptions: SpawnOptions = { env: options.env, stdio: ['ignore', fd, fd], ...(options.cwd ? { cwd: options.cwd } : {}) };
    const child = spawn(command, args, spawnOptions);
    if (child.pid === undefined) {
      fs.closeSync(fd);
      throw new Error(`${name}: could not start ${command}`);
    }
    return new Server(name, child.pid, options.logFile, fd, child);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Throws with the log tail if the process has died (call while waiting for readiness). */
  assertRunning(): void {
    if (!this.running) throw new Error(`${this.name} exited with ${this.exitCode}; log ${this.logFile}:\n${logTail(this.logFile)}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; only ever signals our own pid. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.running) {
      process.kill(this.pid, 'SIGTERM');
      const timer = setTimeout(() => this.running && process.kill(this.pid, 'SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    try {
      fs.closeSync(this.logFd);
    } catch {
      // already closed
    }
  }
}

/** Runs a command to completion, with a timeout after which it is killed. */
export async function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string }): Promise<{ code: number; output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    child.stderr?.on('data', (c: Buffer) => chunks.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? -1 : 0), output: Buffer.concat(chunks).toString('utf8'), timedOut });
    });
  });
}
