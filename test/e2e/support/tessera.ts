import { S3BlobStore } from '@tessera/blob-store';
import { createPostgresTestDatabase, deleteKafkaPrefix, expectEventually, freePorts, repoRoot, requireInfra } from '@tessera/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { Readable } from 'node:stream';

/** The two modes of ARCHITECTURE §2; every end-to-end scenario runs in both. */
export type Mode = 'all-in-one' | 'distributed';
export const MODES: readonly Mode[] = ['all-in-one', 'distributed'];

/** Where one test's Tessera keeps its state, and how to look into its object store. */
export interface Backing {
  readonly mode: Mode;
  readonly env: Record<string, string>;
  /** Every key in the object store (temporary uploads included). */
  objectKeys(): Promise<string[]>;
  /** Replaces an object's bytes behind Tessera's back (damage that only a digest check finds). */
  overwrite(key: string, bytes: Buffer): Promise<void>;
  cleanup(): Promise<void>;
}


/** Fresh, isolated backing for a mode: a PGlite dir and a blob dir, or a PostgreSQL database, an S3 bucket and Kafka topic prefix. */
export async function createBacking(mode: Mode, name: string): Promise<Backing> {
  const id = `${name}-${randomBytes(4).toString('hex')}`;
  if (mode === 'all-in-one') {
    const dir = path.join(repoRoot(), 'tmp', 'e2e', id);
    fs.mkdirSync(dir, { recursive: true });
    const blobs = path.join(dir, 'blobs');
    return {
      mode,
      env: { DATABASE_URL: `pglite:${path.join(dir, 'db')}`, BLOB_URL: `file:${blobs}`, BUS_URL: 'memory:' },
      objectKeys: async () => walk(blobs, ''),
      overwrite: async (key, bytes) => fs.writeFileSync(path.join(blobs, key), bytes),
      cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const infra = requireInfra();
  const db = await createPostgresTestDatabase();
  const endpoint = new URL(infra.s3Endpoint);
  const bucket = `e2e-${id}`.toLowerCase().slice(0, 63);
  const store = new S3BlobStore({ endPoint: endpoint.hostname, port: Number(endpoint.port), useSSL: false, accessKey: infra.s3AccessKey, secretKey: infra.s3SecretKey, region: 'us-east-1', bucket });
  return {
    mode,
    env: {
      DATABASE_URL: db.url,
      BLOB_URL: `s3+http://${encodeURIComponent(infra.s3AccessKey)}:${encodeURIComponent(infra.s3SecretKey)}@${endpoint.host}/${bucket}`,
      BUS_URL: `kafka://${infra.kafkaBrokers}`,
      KAFKA_TOPIC_PREFIX: `${id}.`,
      KAFKA_TOPIC_PARTITIONS: '4',
    },
    objectKeys: async () => {
      const keys: string[] = [];
      for await (const k of store.list('')) keys.push(k);
      return keys;
    },
    overwrite: async (key, bytes) => {
      await store.put(key, Readable.from([bytes]));
    },
    cleanup: async () => {
      await db.drop();
      await deleteKafkaPrefix(infra.kafkaBrokers, `${id}.`);
    },
  };
}

function walk(dir: string, prefix: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** The accounts the embedded OpenID provider creates on first start (libs/identity dev-accounts). */
export type Account = 'admin' | 'radiologist' | 'technologist' | 'referring-physician' | 'researcher' | 'integration';

/** A running Tessera process. */
export interface Tessera {
  readonly baseUrl: string;
  readonly dicomweb: string;
  readonly dimsePort: number;
  readonly logFile: string;
  /** The issuer whose tokens this Tessera trusts: its own embedded provider, or the one it was started against. */
  readonly issuer: string;
  /** Its embedded provider's directory (signing key, development accounts), or the trusted Tessera's. */
  readonly oidcDir: string;
  /** The DICOMweb base URL of a tenant. */
  dicomwebOf(tenant: string): string;
  /** An access token of one of the issuer's development accounts (password or client credentials grant). */
  token(account: Account): Promise<string>;
  /**
   * fetch() with a bearer token: by default an administrator's for /admin routes and a
   * technologist's (who may read and store studies and keep the worklist) for everything else.
   */
  fetch(url: string, init?: RequestInit, account?: Account): Promise<Response>;
  stop(): Promise<void>;
}

/** An external OpenID provider: its issuer URL, how to get an account's access token, and where its keys are when it is a Tessera's embedded provider. */
export interface Issuer {
  readonly issuer: string;
  readonly oidcDir?: string;
  token(account: Account): Promise<string>;
}

/** How a Tessera authenticates callers: its own embedded provider (default), or an external issuer (another Tessera's provider, Keycloak). */
export interface StartOptions {
  readonly trusting?: Issuer;
  /** HTTPS on the HTTP port (HTTP_TLS_* in the settings): the CA its certificate chains to, for the readiness probe. */
  readonly httpsCa?: string;
}

/** GET over HTTPS trusting `ca`: the status and body (Node's fetch takes no CA of its own). */
export function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Starts the built launcher with the given settings and waits until it is ready. */
export async function startTessera(name: string, env: Record<string, string>, roles?: string, options: StartOptions = {}): Promise<Tessera> {
  // Every listener on a port of its own (specs start several Tesseras at once), all chosen together
  // so that no two are the same.
  const [httpPort, dimsePort, mllpPort] = (await freePorts(3)) as [number, number, number];
  const logDir = path.join(repoRoot(), 'tmp', 'e2e-logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}-${httpPort}.log`);
  const log = fs.openSync(logFile, 'a');
  // Each Tessera's embedded provider keeps its key and accounts apart from the others'.
  const oidcDir = path.join(repoRoot(), 'tmp', 'e2e-oidc', `${name}-${httpPort}`);
  const auth = options.trusting ? { OIDC_ISSUER: options.trusting.issuer } : { OIDC_EMBEDDED_DIR: oidcDir };
  const scheme = options.httpsCa !== undefined ? 'https' : 'http';
  const issuer = options.trusting?.issuer ?? `${scheme}://127.0.0.1:${httpPort}/oidc`;
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot(), 'dist/apps/tessera/src/main.js'), ...(roles ? ['--roles', roles] : [])], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HTTP_PORT: String(httpPort), DIMSE_PORT: String(dimsePort), MLLP_PORT: String(mllpPort), LOG_LEVEL: 'info', ...auth, ...env },
    stdio: ['ignore', log, log],
  });
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const baseUrl = `${scheme}://127.0.0.1:${httpPort}`;
  await expectEventually(
    async () => {
      if (exited !== null) throw new Error(`Tessera exited with ${exited} during start; see ${logFile}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
      const status = options.httpsCa !== undefined ? (await httpsGet(`${baseUrl}/readyz`, options.httpsCa)).status : (await fetch(`${baseUrl}/readyz`)).status;
      expect(status).toBe(200);
    },
    { timeoutMs: 90_000, intervalMs: 200 },
  ).catch((err: Error) => {
    child.kill('SIGKILL');
    throw err;
  });
  const tokens = new Map<Account, Promise<string>>();
  const token = (account: Account): Promise<string> => {
    if (options.trusting) return options.trusting.token(account);
    let pending = tokens.get(account);
    if (!pending) {
      pending = devToken(issuer, oidcDir, account);
      tokens.set(account, pending);
    }
    return pending;
  };
  return {
    baseUrl,
    dicomweb: `${baseUrl}/dicomweb`,
    dimsePort,
    logFile,
    issuer,
    oidcDir: options.trusting?.oidcDir ?? oidcDir,
    dicomwebOf: (tenant) => `${baseUrl}/tenants/${tenant}/dicomweb`,
    token,
    fetch: async (url, init = {}, account) => {
      const as = account ?? (new URL(url).pathname.includes('/admin/') ? 'admin' : 'technologist');
      const headers = new Headers(init.headers);
      headers.set('Authorization', `Bearer ${await token(as)}`);
      return fetch(url, { ...init, headers });
    },
    stop: async () => {
      if (exited !== null) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await done;
      clearTimeout(timer);
      fs.closeSync(log);
    },
  };
}

/** A token for a development account of an embedded provider, from the accounts file it wrote. */
async function devToken(issuer: string, oidcDir: string, account: Account): Promise<string> {
  const accounts = JSON.parse(fs.readFileSync(path.join(oidcDir, 'dev-accounts.json'), 'utf8')) as {
    users: { username: string; password: string }[];
    serviceAccounts: { clientId: string; clientSecret: string }[];
  };
  const service = accounts.serviceAccounts.find((c) => c.clientId === account);
  const user = accounts.users.find((u) => u.username === account);
  const form = service
    ? new URLSearchParams({ grant_type: 'client_credentials', client_id: service.clientId, client_secret: service.clientSecret })
    : new URLSearchParams({ grant_type: 'password', client_id: 'tessera-cli', username: account, password: user?.password ?? '' });
  const response = await fetch(`${issuer}/token`, { method: 'POST', body: form });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`no token for ${account} from ${issuer}: ${response.status} ${body.error_description ?? ''}`);
  return body.access_token;
}

/** The Python interpreter of the test venv (pydicom, pynetdicom, dicomweb-client). */
export function python(): string {
  return requireInfra().python;
}

/** Where pydicom keeps its bundled test files, the corpus that no one here wrote. */
export { pydicomTestFiles } from '@tessera/testing';
