import { expectEventually, freePorts, infraEnv, repoRoot } from '@tessera/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A successful response of Keycloak's Admin REST API: the Location of what it created, its JSON body. */
export interface AdminResponse {
  readonly location: string | null;
  readonly body: unknown;
}

/** A process by pid and start time (field 22 of /proc/<pid>/stat), so that a reused pid is never signalled. */
interface Proc {
  readonly pid: number;
  readonly start: string;
}

/** The start time of a live process (proc(5): state is field 3, starttime field 22); undefined once it has ended. */
function startTime(pid: number): string | undefined {
  let fields: string[];
  try {
    fields = (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  } catch {
    return undefined;
  }
  return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
}

/** The processes `pid` started (kc.sh runs the JVM as its child). */
function childrenOf(pid: number): Proc[] {
  let list: string;
  try {
    list = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return [];
  }
  return list
    .split(' ')
    .filter(Boolean)
    .map(Number)
    .flatMap((child) => {
      const start = startTime(child);
      return start === undefined ? [] : [{ pid: child, start }];
    });
}

const alive = (p: Proc): boolean => startTime(p.pid) === p.start;

/** SIGKILL to a process that is still the one recorded (it may end on its own meanwhile). */
function killIfAlive(p: Proc): void {
  if (!alive(p)) return;
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    // it ended between the check and the signal
  }
}

/**
 * A real Keycloak server (the distribution scripts/infra/install.sh unpacks from Maven Central) in
 * development mode: its own home and H2 database under tmp/, HTTP on a free loopback port, a
 * bootstrap admin client for the Admin REST API. Stopped by the pid it was started with, and its JVM
 * child by pid too.
 */
export class Keycloak {
  private adminToken: { value: string; until: number } | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly admin: { readonly clientId: string; readonly secret: string },
    /** The server's base URL, e.g. http://127.0.0.1:43817. */
    readonly url: string,
    /** Its log, kept after it stops (beside the Tesseras' logs). */
    readonly logFile: string,
  ) {}

  static async start(name: string): Promise<Keycloak> {
    const installed = infraEnv().TEST_KEYCLOAK_HOME;
    if (!installed || !fs.existsSync(path.join(installed, 'bin', 'kc.sh'))) {
      throw new Error('TEST_KEYCLOAK_HOME is not set or not installed: run scripts/infra/install.sh keycloak, then scripts/infra/start.sh (it writes tmp/infra/env)');
    }
    const dir = path.join(repoRoot(), 'tmp', 'e2e-keycloak', `${name}-${randomBytes(4).toString('hex')}`);
    const home = makeHome(installed, dir);
    const [httpPort, managementPort] = (await freePorts(2)) as [number, number];
    const logDir = path.join(repoRoot(), 'tmp', 'e2e-logs');
    fs.mkdirSync(logDir, { recursive: true });
    const logFile = path.join(logDir, `keycloak-${name}-${httpPort}.log`);
    const log = fs.openSync(logFile, 'a');
    const admin = { clientId: 'tessera-e2e-admin', secret: randomBytes(24).toString('hex') };
    const child = spawn(
      path.join(home, 'bin', 'kc.sh'),
      ['start-dev', '--http-host=127.0.0.1', `--http-port=${httpPort}`, `--http-management-port=${managementPort}`],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          // A modest heap: the e2e tier shares two cores and the test infrastructure with it. A server
          // that lives a minute starts a fifth faster without the optimising JIT compiler (C2).
          JAVA_OPTS_KC_HEAP: '-Xms64m -Xmx512m',
          JAVA_OPTS_APPEND: '-XX:TieredStopAtLevel=1',
          KC_BOOTSTRAP_ADMIN_CLIENT_ID: admin.clientId,
          KC_BOOTSTRAP_ADMIN_CLIENT_SECRET: admin.secret,
        },
        stdio: ['ignore', log, log],
      },
    );
    fs.closeSync(log);
    let exited: number | null = null;
    child.on('exit', (code) => (exited = code ?? -1));
    const keycloak = new Keycloak(child, dir, admin, `http://127.0.0.1:${httpPort}`, logFile);
    await expectEventually(
      async () => {
        if (exited !== null) throw new Error(`Keycloak exited with ${exited} during start; see ${logFile}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
        expect((await fetch(`${keycloak.url}/realms/master/.well-known/openid-configuration`)).status).toBe(200);
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    ).catch(async (err: Error) => {
      await keycloak.stop();
      throw err;
    });
    return keycloak;
  }

  /** The issuer URL of a realm (`iss` of its tokens). */
  issuer(realm: string): string {
    return `${this.url}/realms/${realm}`;
  }

  /** A call of the Admin REST API as the bootstrap admin client (client credentials in the master realm); throws unless it answers 2xx. */
  async adminApi(method: 'GET' | 'POST' | 'PUT' | 'DELETE', route: string, body?: unknown): Promise<AdminResponse> {
    const headers: Record<string, string> = { Authorization: `Bearer ${await this.adminAccessToken()}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${this.url}/admin/realms${route}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    if (!res.ok) throw new Error(`Keycloak admin ${method} ${route}: ${res.status} ${text}`);
    return { location: res.headers.get('location'), body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  /** POSTs a form to a realm's token endpoint (RFC 6749 §3.2) and returns the access token. */
  async token(realm: string, form: Record<string, string>): Promise<string> {
    const res = await fetch(`${this.issuer(realm)}/protocol/openid-connect/token`, { method: 'POST', body: new URLSearchParams(form) });
    const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!body.access_token) throw new Error(`no token from realm ${realm}: ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`);
    return body.access_token;
  }

  private async adminAccessToken(): Promise<string> {
    if (this.adminToken && Date.now() < this.adminToken.until) return this.adminToken.value;
    const res = await fetch(`${this.issuer('master')}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.admin.clientId, client_secret: this.admin.secret }),
    });
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new Error(`no admin token from Keycloak: ${res.status} ${JSON.stringify(body)}`);
    // Renewed well before it expires (the master realm's access tokens last a minute).
    this.adminToken = { value: body.access_token, until: Date.now() + ((body.expires_in ?? 60) - 20) * 1000 };
    return body.access_token;
  }

  /**
   * SIGTERM to kc.sh, which forwards it to the JVM and waits for it; SIGKILL to both (by pid, start
   * time checked) if they have not ended after 30 s. Then its directory goes.
   */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (this.child.exitCode === null && this.child.signalCode === null && pid !== undefined) {
      const jvms = childrenOf(pid);
      const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        jvms.forEach(killIfAlive);
      }, 30_000);
      await done;
      clearTimeout(timer);
      await expectEventually(() => expect(jvms.filter(alive)).toEqual([]), { timeoutMs: 30_000, intervalMs: 100 }).catch(() => jvms.forEach(killIfAlive));
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Keycloak home of its own: the installation's programs, libraries and themes by symbolic link, and
 * a `data` directory (H2 database, transaction logs) that is this server's alone — Keycloak keeps its
 * data under its home. kc.sh is copied, not linked: it finds the home from its own resolved path.
 */
function makeHome(installed: string, dir: string): string {
  const home = path.join(dir, 'home');
  fs.mkdirSync(path.join(home, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(installed, 'bin', 'kc.sh'), path.join(home, 'bin', 'kc.sh'));
  fs.chmodSync(path.join(home, 'bin', 'kc.sh'), 0o755);
  for (const entry of ['lib', 'conf', 'themes', 'providers']) fs.symlinkSync(path.join(installed, entry), path.join(home, entry));
  fs.mkdirSync(path.join(home, 'data'));
  return home;
}
