import { deleteKafkaPrefix, freePort, freePorts, type Infra, requireInfra } from '@tessera/testing';
import { Client as MinioClient } from 'minio';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client as PgClient } from 'pg';
import { DCMTK_ENV, echoscu } from './dcmtk';
import { logTail, Server, sleep, waitFor } from './process';

export const TARGET_NAMES = ['tessera-distributed', 'tessera-all-in-one', 'orthanc-postgresql', 'orthanc-sqlite', 'storescp'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** Where a run keeps its scratch state and logs, and how Tessera is launched. */
export interface BenchContext {
  readonly repoRoot: string;
  /** Fresh working directories are created under here and removed after each run. */
  readonly workRoot: string;
  readonly logDir: string;
  /** Extra node arguments for Tessera (e.g. a --require for CPU profiling). */
  readonly tesseraNodeArgs: readonly string[];
  readonly tesseraExtraEnv: Readonly<Record<string, string>>;
}

/** A target that is up, empty and ready to receive. */
export interface RunningTarget {
  readonly name: TargetName;
  readonly pid: number;
  readonly dimsePort: number;
  readonly calledAE: string;
  readonly logFile: string;
  /** What was configured, for the report. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Instances the target holds now (for Tessera: as the index sees them, which is eventually consistent). */
  countInstances(studyInstanceUID: string): Promise<number>;
  /** Activity counters of its PostgreSQL database (pg_stat_database), for the targets that have one. */
  dbStats?(): Promise<Record<string, number>>;
  /** Makes a DICOM peer on 127.0.0.1 known to the target, allowed to query and move and to be moved to (archives only). */
  registerPeer?(aeTitle: string, port: number): Promise<void>;
  /** Removes what the target has received so far (storescp only: the files it wrote). */
  clear?(): void;
  /** Its DICOMweb service (archives only): the base URL and the headers that authorise a read. */
  readonly dicomweb?: { readonly base: string; headers(): Promise<Record<string, string>> };
  /** The files in the archive's storage area (Orthanc only, which keeps each instance as one file as received). */
  storedFiles?(): string[];
  /** Stops the process and starts it again on the same state (for "cold" reads: the process's caches are gone). */
  restart?(): Promise<void>;
  /** Stops the process (by pid) and removes every piece of state created for it. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

function uniqueId(): string {
  return randomBytes(5).toString('hex');
}

function freshDir(ctx: BenchContext, name: string): string {
  const dir = path.join(ctx.workRoot, `${name}-${uniqueId()}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

async function httpOk(url: string): Promise<true | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  await res.arrayBuffer();
  return res.ok ? true : undefined;
}

/** Waits until `ready()` holds; on timeout or early exit, stops the server and throws with its log. */
async function awaitReady(server: Server, ready: () => Promise<true | undefined>, cleanup: () => Promise<void>): Promise<void> {
  try {
    await waitFor(
      async () => {
        server.assertRunning();
        return ready();
      },
      READY_TIMEOUT_MS,
      () => `${server.name} not ready after ${READY_TIMEOUT_MS / 1000} s; log ${server.logFile}:\n${logTail(server.logFile)}`,
    );
  } catch (err) {
    // assertRunning's error is more useful than the timeout's; waitFor swallows it, so check again.
    const early = server.running ? undefined : `${server.name} exited during start; log ${server.logFile}:\n${logTail(server.logFile)}`;
    await server.stop(5_000);
    await cleanup().catch(() => undefined);
    throw new Error(early ?? (err as Error).message);
  }
}

const running = new Set<RunningTarget>();

/** Stops whatever is still running (on Ctrl-C), so that no target or scratch database outlives the harness. */
export async function stopAllTargets(): Promise<void> {
  await Promise.all([...running].map((t) => t.stop().catch(() => undefined)));
}

export async function startTarget(name: TargetName, ctx: BenchContext): Promise<RunningTarget> {
  const target = await launch(name, ctx);
  running.add(target);
  // Wrapped in place rather than copied: a restarted target's pid is a getter.
  const stop = target.stop.bind(target);
  target.stop = async () => {
    running.delete(target);
    await stop();
  };
  return target;
}

function launch(name: TargetName, ctx: BenchContext): Promise<RunningTarget> {
  switch (name) {
    case 'tessera-distributed':
      return startTessera(ctx, 'distributed');
    case 'tessera-all-in-one':
      return startTessera(ctx, 'all-in-one');
    case 'orthanc-sqlite':
      return startOrthanc(ctx, 'sqlite');
    case 'orthanc-postgresql':
      return startOrthanc(ctx, 'postgresql');
    case 'storescp':
      return startStorescp(ctx);
  }
}

// ---- PostgreSQL, S3 and Kafka scratch resources ------------------------------------------------

interface ScratchDatabase {
  readonly url: URL;
  stats(): Promise<Record<string, number>>;
  drop(): Promise<void>;
}

async function createDatabase(infra: Infra, prefix: string): Promise<ScratchDatabase> {
  const admin = infra.databaseUrl;
  const name = `${prefix}_${uniqueId()}`;
  const sql = async (text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> => {
    const c = new PgClient({ connectionString: admin });
    await c.connect();
    try {
      return (await c.query(text, params)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };
  await sql(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url,
    // Counters are flushed by each backend at most once a second, so read them a moment after activity.
    stats: async () => {
      const [row] = await sql('SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_fetched, tup_returned FROM pg_stat_database WHERE datname = $1', [name]);
      return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
    },
    drop: async () => void (await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function removeBucket(infra: Infra, bucket: string): Promise<void> {
  const endpoint = new URL(infra.s3Endpoint);
  const client = new MinioClient({ endPoint: endpoint.hostname, port: Number(endpoint.port), useSSL: false, accessKey: infra.s3AccessKey, secretKey: infra.s3SecretKey });
  if (!(await client.bucketExists(bucket))) return;
  const names: string[] = [];
  for await (const o of client.listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string }>) if (o.name) names.push(o.name);
  for (let i = 0; i < names.length; i += 1000) await client.removeObjects(bucket, names.slice(i, i + 1000));
  // Interrupted multipart uploads (a failed 2 GB run) would keep the bucket from being removed.
  for await (const u of client.listIncompleteUploads(bucket, '', true) as AsyncIterable<{ key: string }>) await client.removeIncompleteUpload(bucket, u.key);
  await client.removeBucket(bucket);
}

// ---- Tessera --------------------------------------------------------------------------------------

async function startTessera(ctx: BenchContext, mode: 'distributed' | 'all-in-one'): Promise<RunningTarget> {
  const name: TargetName = mode === 'distributed' ? 'tessera-distributed' : 'tessera-all-in-one';
  // Chosen together, so that no two are the same.
  const [httpPort, dimsePort, mllpPort] = (await freePorts(3)) as [number, number, number];
  // All-in-one keeps ./data relative to its working directory; distributed gets one too so that nothing lands in the repo.
  const cwd = freshDir(ctx, name);
  const cleanups: (() => Promise<void>)[] = [async () => fs.rmSync(cwd, { recursive: true, force: true })];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch((err: Error) => process.stderr.write(`cleanup of ${name}: ${err.message}\n`));
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    HTTP_PORT: String(httpPort),
    DIMSE_PORT: String(dimsePort),
    MLLP_PORT: String(mllpPort),
    DIMSE_AE_TITLE: 'TESSERA',
    TCP_NODELAY: '1',
    ...ctx.tesseraExtraEnv,
  };
  const settings: Record<string, unknown> = { mode, cwd };
  let db: ScratchDatabase | undefined;
  if (mode === 'distributed') {
    const infra = requireInfra();
    const id = uniqueId();
    db = await createDatabase(infra, 'bench_tessera');
    cleanups.push(db.drop);
    const bucket = `bench-${id}`;
    cleanups.push(() => removeBucket(infra, bucket));
    const prefix = `bench-${id}.`;
    cleanups.push(() => deleteKafkaPrefix(infra.kafkaBrokers, prefix, 'tessera-bench'));
    const s3 = new URL(infra.s3Endpoint);
    Object.assign(env, {
      DATABASE_URL: db.url.toString(),
      BLOB_URL: `s3+http://${encodeURIComponent(infra.s3AccessKey)}:${encodeURIComponent(infra.s3SecretKey)}@${s3.host}/${bucket}`,
      BUS_URL: `kafka://${infra.kafkaBrokers}`,
      KAFKA_TOPIC_PREFIX: prefix,
    });
    Object.assign(settings, { database: db.url.pathname.slice(1), bucket, kafkaTopicPrefix: prefix });
  }
  const logFile = path.join(ctx.logDir, `${name}-${httpPort}.log`);
  const main = path.join(ctx.repoRoot, 'dist/apps/tessera/src/main.js');
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: run npm run build`);
  const base = `http://127.0.0.1:${httpPort}`;
  const launchServer = async (): Promise<Server> => {
    const started = Server.start(name, process.execPath, [...ctx.tesseraNodeArgs, main], { env, cwd, logFile });
    await awaitReady(started, () => httpOk(`${base}/readyz`), cleanup);
    return started;
  };
  let server = await launchServer();
  // Every HTTP route asks for a token: the embedded provider's development accounts (docs/security.md §4).
  const tokens = new Map<string, Promise<string>>();
  const authorization = async (account: 'technologist' | 'admin'): Promise<Record<string, string>> => {
    let token = tokens.get(account);
    if (!token) {
      token = devToken(base, cwd, account);
      tokens.set(account, token);
    }
    return { authorization: `Bearer ${await token}` };
  };
  return {
    name,
    get pid() {
      return server.pid;
    },
    dimsePort,
    calledAE: 'TESSERA',
    logFile,
    settings,
    countInstances: async (studyInstanceUID) => {
      const res = await fetch(`${base}/dicomweb/studies?StudyInstanceUID=${studyInstanceUID}`, { headers: { accept: 'application/dicom+json', ...(await authorization('technologist')) } });
      if (res.status === 204) return 0;
      if (!res.ok) throw new Error(`QIDO answered ${res.status}`);
      const studies = (await res.json()) as Record<string, { Value?: unknown[] }>[];
      return Number(studies[0]?.['00201208']?.Value?.[0] ?? 0);
    },
    ...(db ? { dbStats: db.stats } : {}),
    registerPeer: async (aeTitle, port) => {
      // The AE-title registry of the default tenant (docs/operations.md).
      const res = await fetch(`${base}/admin/tenants/default/application-entities/${aeTitle}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...(await authorization('admin')) }, body: JSON.stringify({ host: '127.0.0.1', port }) });
      if (!res.ok) throw new Error(`registering ${aeTitle} answered ${res.status}: ${await res.text()}`);
    },
    dicomweb: { base: `${base}/dicomweb`, headers: () => authorization('technologist') },
    restart: async () => {
      await server.stop();
      // Tokens stay valid (the embedded provider keeps its key in the data directory); fetched again anyway.
      tokens.clear();
      server = await launchServer();
    },
    stop: async () => {
      await server.stop();
      await cleanup();
    },
  };
}

// ---- Orthanc --------------------------------------------------------------------------------------

const ORTHANC = '/usr/sbin/Orthanc';

/** Where Debian puts Orthanc's plugins (the path differs between packagings). */
function findOrthancPlugin(file: string, debianPackage: string): string {
  for (const dir of ['/usr/share/orthanc/plugins', '/usr/lib/orthanc/plugins', '/usr/lib/x86_64-linux-gnu/orthanc/plugins']) {
    if (fs.existsSync(path.join(dir, file))) return path.join(dir, file);
  }
  throw new Error(`${file} not found: apt-get install ${debianPackage}`);
}

/**
 * Orthanc 1.10 settings that matter for ingest, set explicitly so the report says what was compared.
 * Durability settings keep their defaults (SyncStorageArea: fsync of every stored file), like Tessera,
 * which acknowledges only durable objects.
 */
export const ORTHANC_INGEST_SETTINGS = {
  StorageCompression: false,
  // Threads of the DICOM server = concurrent C-STORE associations served (default 4 in 1.10).
  DicomThreadsCount: 4,
  // The largest PDU Orthanc accepts (default 16 KiB, maximum 128 KiB): fewer, larger PDUs for 0.5 MB objects.
  MaximumPduLength: 131072,
  ConcurrentJobs: 2,
  SaveJobs: false,
  OverwriteInstances: false,
  StorageAccessOnFind: 'Never',
  // Defaults kept, listed for the record.
  SyncStorageArea: true,
  StoreMD5ForAttachments: true,
  MetricsEnabled: true,
} as const;

/**
 * The DICOMweb plugin (Debian's orthanc-dicomweb 1.7) and the HTTP settings its reads depend on. Series
 * and study metadata are built from the stored files ("Full", the default), as Tessera returns every
 * attribute of every instance; Orthanc's own defaults for keep-alive and TCP_NODELAY, listed.
 */
export const ORTHANC_DICOMWEB_SETTINGS = {
  DicomWeb: { Enable: true, Root: '/dicom-web/', StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
  KeepAlive: true,
  TcpNoDelay: true,
  HttpThreadsCount: 50,
} as const;

async function startOrthanc(ctx: BenchContext, index: 'sqlite' | 'postgresql'): Promise<RunningTarget> {
  const name: TargetName = index === 'sqlite' ? 'orthanc-sqlite' : 'orthanc-postgresql';
  const dir = freshDir(ctx, name);
  const cleanups: (() => Promise<void>)[] = [async () => fs.rmSync(dir, { recursive: true, force: true })];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch((err: Error) => process.stderr.write(`cleanup of ${name}: ${err.message}\n`));
  };
  const [httpPort, dimsePort] = (await freePorts(2)) as [number, number];
  const config: Record<string, unknown> = {
    Name: `bench-${name}`,
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'index'),
    HttpPort: httpPort,
    DicomPort: dimsePort,
    DicomAet: 'ORTHANC',
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomCheckCalledAet: false,
    Plugins: [findOrthancPlugin('libOrthancDicomWeb.so', 'orthanc-dicomweb')],
    ...ORTHANC_INGEST_SETTINGS,
    ...ORTHANC_DICOMWEB_SETTINGS,
  };
  let db: ScratchDatabase | undefined;
  if (index === 'postgresql') {
    const infra = requireInfra();
    db = await createDatabase(infra, 'bench_orthanc');
    cleanups.push(db.drop);
    config.Plugins = [...(config.Plugins as string[]), findOrthancPlugin('libOrthancPostgreSQLIndex.so', 'orthanc-postgresql')];
    config.PostgreSQL = {
      EnableIndex: true,
      EnableStorage: false,
      Host: db.url.hostname,
      Port: Number(db.url.port),
      Database: db.url.pathname.slice(1),
      Username: decodeURIComponent(db.url.username),
      Password: decodeURIComponent(db.url.password),
      EnableSsl: false,
      // Plugin 4.0 option (default 1): parallel index connections, to match the 4 DICOM threads.
      IndexConnectionsCount: 4,
    };
  }
  const configFile = path.join(dir, 'orthanc.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(ctx.logDir, `${name}-${httpPort}.log`);
  const base = `http://127.0.0.1:${httpPort}`;
  const launchServer = async (): Promise<Server> => {
    const started = Server.start(name, ORTHANC, [configFile], { env: DCMTK_ENV, cwd: dir, logFile });
    await awaitReady(started, () => httpOk(`${base}/system`), cleanup);
    return started;
  };
  let server = await launchServer();
  const { PostgreSQL: pg, ...shown } = config;
  return {
    name,
    get pid() {
      return server.pid;
    },
    dimsePort,
    calledAE: 'ORTHANC',
    logFile,
    settings: { ...shown, ...(pg ? { PostgreSQL: { ...(pg as Record<string, unknown>), Password: '***' } } : {}) },
    countInstances: async () => {
      const res = await fetch(`${base}/statistics`);
      if (!res.ok) throw new Error(`/statistics answered ${res.status}`);
      return ((await res.json()) as { CountInstances: number }).CountInstances;
    },
    ...(db ? { dbStats: db.stats } : {}),
    registerPeer: async (aeTitle, port) => {
      // Orthanc answers C-MOVE only for known modalities (DicomAlwaysAllowMove is false by default).
      const res = await fetch(`${base}/modalities/${aeTitle}`, { method: 'PUT', body: JSON.stringify({ AET: aeTitle, Host: '127.0.0.1', Port: port }) });
      if (!res.ok) throw new Error(`registering ${aeTitle} answered ${res.status}: ${await res.text()}`);
    },
    dicomweb: { base: `${base}/dicom-web`, headers: async () => ({}) },
    storedFiles: () => (fs.readdirSync(config.StorageDirectory as string, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)),
    restart: async () => {
      await server.stop(30_000);
      server = await launchServer();
    },
    stop: async () => {
      await server.stop(30_000);
      await cleanup();
    },
  };
}

// ---- DCMTK storescp -------------------------------------------------------------------------------

async function startStorescp(ctx: BenchContext): Promise<RunningTarget> {
  const name: TargetName = 'storescp';
  const dir = freshDir(ctx, name);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  const cleanup = async (): Promise<void> => fs.rmSync(dir, { recursive: true, force: true });
  const dimsePort = await freePort();
  // --fork: one child per association, otherwise associations are served one after another.
  // +B: write the data set as received, the closest to "store unchanged". -pdu: the largest allowed.
  const args = ['--fork', '+B', '-pdu', '131072', '-aet', 'STORESCP', '-od', out, String(dimsePort)];
  const logFile = path.join(ctx.logDir, `${name}-${dimsePort}.log`);
  const server = Server.start(name, 'storescp', args, { env: DCMTK_ENV, cwd: dir, logFile });
  await awaitReady(server, async () => ((await echoscu(dimsePort, 'STORESCP')) ? true : undefined), cleanup);
  return {
    name,
    pid: server.pid,
    dimsePort,
    calledAE: 'STORESCP',
    logFile,
    settings: { args: args.join(' '), note: 'no fsync' },
    countInstances: async () => fs.readdirSync(out).length,
    clear: () => {
      for (const f of fs.readdirSync(out)) fs.rmSync(path.join(out, f));
    },
    stop: async () => {
      await server.stop(10_000);
      // Forked receivers finish their association and exit by themselves; give them a moment.
      await sleep(100);
      await cleanup();
    },
  };
}

/** A token of a development account of the embedded provider, whose accounts file is in the data directory under `cwd`. */
async function devToken(base: string, cwd: string, account: string): Promise<string> {
  const accounts = JSON.parse(fs.readFileSync(path.join(cwd, 'data', 'oidc', 'dev-accounts.json'), 'utf8')) as { users: { username: string; password: string }[] };
  const password = accounts.users.find((u) => u.username === account)?.password ?? '';
  const res = await fetch(`${base}/oidc/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', client_id: 'tessera-cli', username: account, password }) });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token for ${account}: ${res.status}`);
  return body.access_token;
}
