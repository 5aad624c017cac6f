// The benchmark harness (ARCHITECTURE §8): C-STORE ingest side by side with Orthanc and DCMTK storescu,
// C-MOVE of a study to DCMTK storescp side by side with Orthanc, and Tessera's memory while it receives a 2 GiB instance
// over C-STORE and over STOW-RS; with --dicomweb instead, DICOMweb reads (series retrieve, metadata, QIDO, frames,
// whole-slide tiles) against Orthanc's DICOMweb plugin. Not part of CI; run with `npm run bench` (`-- --help` for the options).
import { requireInfra } from '@tessera/testing';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client as PgClient } from 'pg';
import { ensureCtCorpus, ensureLargeInstance, ensureSlide, prefix, type Corpus, type Slide } from './lib/corpus';
import { measureDicomweb, type DicomwebPlan, type DicomwebResult } from './lib/dicomweb';
import { movescu, storescu, type SendResult } from './lib/dcmtk';
import { cpuSnapshot, cpuUsage, rssBytes, RssSampler, waitForQuiet, type CpuUsage } from './lib/meters';
import { logTail, run, sleep, waitFor } from './lib/process';
import { summarizeProfile, type ProfileSummary } from './lib/profile';
import { startTarget, stopAllTargets, TARGET_NAMES, type BenchContext, type RunningTarget, type TargetName } from './lib/targets';
import { formatDicomweb, formatIngest, formatLarge, formatMove, formatProfiles, formatStow, medianIngest, type IngestResult, type LargeResult, type MoveRunResult, type StowResult } from './lib/report';
import { describePart10, digestDataSet, retrieveFrame, retrieveInstance, stowFile, stowOutcome, type Part10File } from './lib/stow';

const REPO = path.resolve(__dirname, '..');
const MiB = 1024 * 1024;
/** A frame of the large instance: 512 x 512 x 16 bit. */
const FRAME_BYTES = 512 * 512 * 2;

interface Options {
  quick: boolean;
  targets: TargetName[];
  count: number;
  associations: number[];
  repeat: number;
  /** The 2 GiB case (memory while receiving one large instance). */
  large: boolean;
  /** ...of it, the C-STORE (storescu) send. */
  largeDimse: boolean;
  /** ...of it, the STOW-RS send. */
  largeStow: boolean;
  ingest: boolean;
  move: boolean;
  largeFrames: number;
  build: boolean;
  profile: boolean;
  timeoutMs: number;
  /** The DICOMweb read bench instead of the DIMSE one. */
  dicomweb: boolean;
  slideTiles: number;
  /** Requests per DICOMweb latency measurement (series retrieves: a tenth of it). */
  requests: number;
  budgetMs: number;
}

const USAGE = `Usage: npm run bench -- [options]

DIMSE (the default): C-STORE ingest, C-MOVE, and the 2 GiB case (memory while receiving one instance, over C-STORE and STOW-RS)
  --quick               200 instances, 1 run, no 2 GiB case
  --only t1,t2          targets (${TARGET_NAMES.join(', ')}); the 2 GiB case runs on both Tesseras and orthanc-sqlite
  --count N             instances of the CT corpus (default 1000; 200 with --quick)
  --assoc 1,4           associations per ingest line (default 1,4)
  --repeat N            runs per line, median shown (default 3; 1 with --quick)
  --no-ingest           skip C-STORE ingest
  --no-move             skip C-MOVE
  --no-large            skip the 2 GiB case
  --no-stow             the 2 GiB case over C-STORE only
  --stow-only           only the 2 GiB case over STOW-RS (no ingest, no C-MOVE, no C-STORE of the 2 GiB instance)
  --large-frames N      frames of 512 x 512 x 16 bit of the large instance (default 4096 = 2 GiB)
  --timeout-s N         per storescu run, and per request of the STOW-RS case (default 900)
  --profile             V8 CPU profile of Tessera during each send window (slower; do not quote its speeds)
  --no-build            skip npm run build

DICOMweb reads instead: --dicomweb [--only t1,t2] [--count N] [--slide-tiles N] [--requests N] [--budget-s N] [--no-build]
  --slide-tiles N       the slide's full-resolution level is N x N tiles of 512 x 512 (default 160, about 2 GiB)
  --requests N          frame and tile requests per target (default 200)
  --budget-s N          each latency measurement stops after N seconds (default 60)

See bench/README.md for what each number means.
`;

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { quick: false, targets: [...TARGET_NAMES], count: 1000, associations: [1, 4], repeat: 0, large: true, largeDimse: true, largeStow: true, ingest: true, move: true, largeFrames: 4096, build: true, profile: false, timeoutMs: 15 * 60_000, dicomweb: false, slideTiles: 160, requests: 200, budgetMs: 60_000 };
  let count: number | undefined;
  const value = (i: number): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${argv[i]} needs a value`);
    return v;
  };
  const positiveInt = (s: string, what: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${what}: expected a positive integer, got ${s}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    switch (arg) {
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--only':
        o.targets = value(i)
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean) as TargetName[];
        for (const t of o.targets) if (!TARGET_NAMES.includes(t)) throw new Error(`--only: unknown target ${t}; targets: ${TARGET_NAMES.join(', ')}`);
        i++;
        break;
      case '--count':
        count = positiveInt(value(i++), arg);
        break;
      case '--assoc':
        o.associations = value(i++)
          .split(',')
          .map((s) => positiveInt(s, arg));
        break;
      case '--repeat':
        o.repeat = positiveInt(value(i++), arg);
        break;
      case '--no-large':
        o.large = false;
        break;
      case '--no-stow':
        o.largeStow = false;
        break;
      case '--stow-only':
        Object.assign(o, { ingest: false, move: false, largeDimse: false });
        break;
      case '--no-ingest':
        o.ingest = false;
        break;
      case '--no-move':
        o.move = false;
        break;
      case '--large-frames':
        o.largeFrames = positiveInt(value(i++), arg);
        break;
      case '--no-build':
        o.build = false;
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--timeout-s':
        o.timeoutMs = positiveInt(value(i++), arg) * 1000;
        break;
      case '--dicomweb':
        o.dicomweb = true;
        break;
      case '--slide-tiles':
        o.slideTiles = positiveInt(value(i++), arg);
        break;
      case '--requests':
        o.requests = positiveInt(value(i++), arg);
        break;
      case '--budget-s':
        o.budgetMs = positiveInt(value(i++), arg) * 1000;
        break;
      default:
        throw new Error(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  if (o.quick || (!o.largeDimse && !o.largeStow)) o.large = false;
  if (o.dicomweb) {
    // Reads only: the archives (storescp serves no DICOMweb), and none of the DIMSE sections.
    o.targets = o.targets.filter((t) => t !== 'storescp');
    Object.assign(o, { ingest: false, move: false, large: false });
  }
  o.count = count ?? (o.quick ? 200 : 1000);
  // Three runs per line by default (median): this machine is shared, and one run can land in a burst.
  o.repeat ||= o.quick ? 1 : 3;
  return o;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

// ---- preconditions -------------------------------------------------------------------------------

function requireCommands(targets: readonly TargetName[], move: boolean, dicomweb: boolean): void {
  const need = ['storescu', 'echoscu', ...(targets.includes('storescp') || move ? ['storescp'] : []), ...(move ? ['movescu'] : []), ...(dicomweb ? ['curl'] : [])];
  for (const c of need) {
    try {
      execFileSync('which', [c], { stdio: 'ignore' });
    } catch {
      throw new Error(`${c} is not on PATH: apt-get install ${c === 'curl' ? 'curl' : 'dcmtk'} (or scripts/infra/install.sh)`);
    }
  }
  if (targets.some((t) => t.startsWith('orthanc')) && !fs.existsSync('/usr/sbin/Orthanc')) throw new Error('/usr/sbin/Orthanc is missing: apt-get install orthanc orthanc-postgresql');
}

async function tcpOpen(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const s = net.connect({ host: host as string, port: Number(port), timeout: 2000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

async function infraUp(): Promise<boolean> {
  try {
    const infra = requireInfra();
    const pg = new PgClient({ connectionString: infra.databaseUrl, connectionTimeoutMillis: 3000 });
    await pg.connect();
    await pg.end();
    return (await tcpOpen(infra.kafkaBrokers.split(',')[0] as string)) && (await tcpOpen(new URL(infra.s3Endpoint).host));
  } catch {
    return false;
  }
}

/** PostgreSQL, Kafka and MinIO of scripts/infra; started (and left running, like the tests do) if they are not up. */
async function ensureInfra(): Promise<void> {
  if (await infraUp()) return;
  log('The test infrastructure (PostgreSQL, Kafka, MinIO) is not answering: starting it with scripts/infra/start.sh (it stays running).');
  const r = await run(path.join(REPO, 'scripts/infra/start.sh'), [], { cwd: REPO, timeoutMs: 10 * 60_000 });
  if (r.code !== 0 || !(await infraUp())) throw new Error(`scripts/infra/start.sh failed:\n${r.output.slice(-3000)}`);
}

function gitDescription(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO }).toString().trim();
    // --no-optional-locks: a read-only look that does not refresh the index others are using.
    const dirty = execFileSync('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], { cwd: REPO }).toString().trim();
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}

// ---- one ingest run ------------------------------------------------------------------------------

/** Splits files into n disjoint, contiguous parts of (almost) equal size. */
function split<T>(items: readonly T[], n: number): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < n; i++) parts.push(items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)));
  return parts.filter((p) => p.length > 0);
}

/** How long a target may take to show everything it acknowledged (Tessera's index is fed by events). */
const SETTLE_MS: Record<TargetName, number> = { 'tessera-distributed': 180_000, 'tessera-all-in-one': 180_000, 'orthanc-sqlite': 10_000, 'orthanc-postgresql': 10_000, storescp: 10_000 };

interface Measured {
  wallS: number;
  sends: SendResult[];
  cpu: CpuUsage;
  stored: number;
  settledAfterS: number | undefined;
  peakRss: number;
  baselineRss: number;
  /** Share of the machine busy in the quiet second before sending (the idle target included). */
  busyBefore: number;
  /** pg_stat_database counters per stored instance, for targets with a PostgreSQL database. */
  dbPerInstance?: Record<string, number>;
  profile?: ProfileSummary;
}

/** Sends `parts` (one storescu each, all at once) to a running target and verifies what it stored. */
async function measure(target: RunningTarget, corpus: Corpus, parts: readonly (readonly string[])[], ctx: BenchContext, profile: boolean, timeoutMs: number, storescuArgs: readonly string[] = []): Promise<Measured> {
  const busyBefore = await waitForQuiet();
  const baselineRss = rssBytes(target.pid) ?? 0;
  const dbBefore = await target.dbStats?.();
  if (profile) process.kill(target.pid, 'SIGWINCH');
  const rss = new RssSampler(target.pid, 100);
  const before = cpuSnapshot();
  const t0 = performance.now();
  const sends = await Promise.all(parts.map((files) => storescu(target.dimsePort, target.calledAE, files, timeoutMs, storescuArgs)));
  const wallS = (performance.now() - t0) / 1000;
  const cpu = cpuUsage(before, cpuSnapshot(), target.pid);
  const expected = parts.reduce((n, p) => n + p.length, 0);
  let stored = 0;
  let settledAfterS: number | undefined;
  try {
    stored = await waitFor(
      async () => {
        const n = await target.countInstances(corpus.studyInstanceUID);
        stored = n;
        return n >= expected ? n : undefined;
      },
      SETTLE_MS[target.name],
      () => 'not all stored',
      100,
    );
    settledAfterS = (performance.now() - t0) / 1000 - wallS;
  } catch {
    // stored keeps the last count seen; the caller reports the shortfall
  }
  const { peak } = rss.stop();
  let dbPerInstance: Record<string, number> | undefined;
  if (dbBefore && target.dbStats && stored > 0) {
    // PostgreSQL backends publish their counters at most once a second.
    await sleep(1500);
    const after = await target.dbStats();
    dbPerInstance = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, (v - (dbBefore[k] ?? 0)) / stored]));
  }
  let summary: ProfileSummary | undefined;
  if (profile) summary = await collectProfile(target, ctx);
  return { wallS, sends, cpu, stored, settledAfterS, peakRss: peak, baselineRss, busyBefore, ...(dbPerInstance ? { dbPerInstance } : {}), ...(summary ? { profile: summary } : {}) };
}

async function collectProfile(target: RunningTarget, ctx: BenchContext): Promise<ProfileSummary | undefined> {
  const existing = new Set(fs.readdirSync(ctx.logDir));
  process.kill(target.pid, 'SIGWINCH');
  const file = await waitFor(
    async () => fs.readdirSync(ctx.logDir).find((f) => f.startsWith(`tessera-${target.pid}-`) && f.endsWith('.cpuprofile') && !existing.has(f)),
    60_000,
    () => 'no CPU profile written',
  ).catch(() => undefined);
  return file ? summarizeProfile(path.join(ctx.logDir, file)) : undefined;
}

function failure(m: Measured, expected: number): string | undefined {
  const problems: string[] = [];
  for (const [i, s] of m.sends.entries()) {
    if (s.timedOut) problems.push(`storescu #${i + 1} timed out`);
    if (s.succeeded !== s.files) problems.push(`storescu #${i + 1}: ${s.succeeded}/${s.files} stored (exit ${s.exitCode})${s.problem ? `\n${s.problem}` : ''}`);
  }
  if (m.stored !== expected) problems.push(`the target holds ${m.stored} of ${expected} instances`);
  return problems.length > 0 ? problems.join('\n') : undefined;
}

async function ingestRun(name: TargetName, corpus: Corpus, associations: number, ctx: BenchContext, options: Options): Promise<IngestResult> {
  const base = { target: name, associations, instances: corpus.files.length, bytes: corpus.bytes, profiled: options.profile && name.startsWith('tessera') };
  const startedAt = performance.now();
  let target: RunningTarget | undefined;
  try {
    target = await startTarget(name, ctx);
    const startupS = (performance.now() - startedAt) / 1000;
    const m = await measure(target, corpus, split(corpus.files, associations), ctx, base.profiled, options.timeoutMs);
    const problem = failure(m, corpus.files.length);
    const common = { ...base, startupS, busyBefore: m.busyBefore, wallS: m.wallS, stored: m.stored, cpu: m.cpu, peakRssMiB: m.peakRss / MiB, baselineRssMiB: m.baselineRss / MiB, settings: target.settings, logFile: target.logFile };
    if (problem) return { ...common, status: 'failed', error: `${problem}\n--- ${target.logFile}:\n${logTail(target.logFile, 1500)}` };
    return {
      ...common,
      status: 'ok',
      instPerS: corpus.files.length / m.wallS,
      mibPerS: corpus.bytes / MiB / m.wallS,
      ...(m.settledAfterS !== undefined ? { settledAfterS: m.settledAfterS } : {}),
      ...(m.dbPerInstance ? { dbPerInstance: m.dbPerInstance } : {}),
      ...(m.profile ? { profile: m.profile } : {}),
    };
  } catch (err) {
    return { ...base, status: 'failed', error: `${(err as Error).message}${target ? `\n--- ${target.logFile}:\n${logTail(target.logFile, 1500)}` : ''}` };
  } finally {
    await target?.stop().catch((err: Error) => log(`  could not stop ${name} cleanly: ${err.message}`));
  }
}

async function largeRun(name: TargetName, corpus: Corpus, ctx: BenchContext, options: Options): Promise<LargeResult> {
  const base = { target: name, bytes: corpus.bytes };
  let target: RunningTarget | undefined;
  try {
    target = await startTarget(name, ctx);
    // Let start-up allocations settle before taking the baseline (measure then waits for a quiet second too).
    await sleep(1000);
    // A long DIMSE exchange: no socket timeout while the target writes 2 GiB and answers.
    const m = await measure(target, corpus, [corpus.files], ctx, false, options.timeoutMs, ['-ts', '900']);
    const problem = failure(m, 1);
    const common = { ...base, busyBefore: m.busyBefore, wallS: m.wallS, baselineRssMiB: m.baselineRss / MiB, peakRssMiB: m.peakRss / MiB, growthMiB: (m.peakRss - m.baselineRss) / MiB, afterRssMiB: (rssBytes(target.pid) ?? 0) / MiB, cpu: m.cpu, logFile: target.logFile };
    if (problem) return { ...common, status: 'failed', error: `${problem}\n--- ${target.logFile}:\n${logTail(target.logFile, 1500)}` };
    return { ...common, status: 'ok', mibPerS: corpus.bytes / MiB / m.wallS };
  } catch (err) {
    return { ...base, status: 'failed', error: `${(err as Error).message}${target ? `\n--- ${target.logFile}:\n${logTail(target.logFile, 1500)}` : ''}` };
  } finally {
    await target?.stop().catch((err: Error) => log(`  could not stop ${name} cleanly: ${err.message}`));
  }
}

// A target whose RSS passes this while it receives the STOW-RS request holds the request in memory: the
// request is cut off there, and that is its result, before it can push this shared machine out of memory.
const STOW_RSS_CEILING = 10 * 1024 * MiB;

/**
 * Sends the large instance to a fresh target as the one part of a STOW-RS request, streamed from disk,
 * while sampling the target's RSS (until the instance is queryable, as for storescu); then reads it back
 * with WADO-RS and checks that its data set is the one sent, and that its last frame (whose byte range
 * ends past 2^31 in a 2 GiB instance) is the frame that was sent.
 */
async function stowRun(name: TargetName, corpus: Corpus, part: Part10File, frames: number, ctx: BenchContext, options: Options): Promise<StowResult> {
  const base = { target: name, bytes: part.bytes };
  let target: RunningTarget | undefined;
  const measured: { -readonly [K in keyof StowResult]?: StowResult[K] } = {};
  const problems: string[] = [];
  try {
    target = await startTarget(name, ctx);
    const web = target.dicomweb;
    if (!web) throw new Error(`${name} has no DICOMweb service`);
    // The token first: its issuing allocates in Tessera, and belongs to start-up rather than to the request.
    const headers = await web.headers();
    await sleep(1000);
    measured.busyBefore = await waitForQuiet();
    const pid = target.pid;
    const baselineRss = rssBytes(pid) ?? 0;
    const rss = new RssSampler(pid, 100);
    const abort = new AbortController();
    const guard = setInterval(() => {
      const now = rssBytes(pid) ?? 0;
      if (now > STOW_RSS_CEILING && !abort.signal.aborted) {
        measured.abortedAtRssMiB = now / MiB;
        abort.abort(new Error(`the target's RSS passed ${STOW_RSS_CEILING / MiB} MiB while it received the request: cut off`));
      }
    }, 250);
    const before = cpuSnapshot();
    let exchange;
    try {
      exchange = await stowFile(`${web.base}/studies`, headers, part, options.timeoutMs, abort.signal);
    } finally {
      clearInterval(guard);
      measured.cpu = cpuUsage(before, cpuSnapshot(), pid);
    }
    Object.assign(measured, { httpStatus: exchange.status, wallS: exchange.wallS, uploadS: exchange.uploadS, mibPerS: part.bytes / MiB / exchange.wallS });
    const outcome = stowOutcome(exchange.body, part.sopInstanceUID);
    Object.assign(measured, { referenced: outcome.referenced, ...(outcome.failureReason !== undefined ? { failureReason: outcome.failureReason } : {}) });
    if (exchange.status !== 200 || !outcome.referenced) problems.push(`HTTP ${exchange.status} ${exchange.contentType}, ${outcome.referenced ? 'listed' : 'not listed'} in the Referenced SOP Sequence: ${exchange.body.slice(0, 1500)}`);
    // The memory window ends when the instance is queryable, as for storescu.
    if (outcome.referenced) {
      const t = target;
      await waitFor(async () => ((await t.countInstances(corpus.studyInstanceUID)) >= 1 ? true : undefined), SETTLE_MS[name], () => 'not queryable').catch(() => problems.push('the stored instance did not become queryable'));
    }
    const { peak, samples } = rss.stop();
    Object.assign(measured, { baselineRssMiB: baselineRss / MiB, peakRssMiB: peak / MiB, growthMiB: (peak - baselineRss) / MiB, afterRssMiB: (rssBytes(pid) ?? 0) / MiB });
    measured.rssMiBPerSecond = samples.filter((sample, i) => i === 0 || Math.floor(sample.t / 1000) > Math.floor((samples[i - 1] as { t: number }).t / 1000)).map((sample) => Math.round(sample.rss / MiB));
    const url = outcome.retrieveUrl;
    if (url) {
      // Read back one after the other, each failure on its own: an archive that stored the instance may still fail to serve it.
      try {
        const read = await retrieveInstance(url, await web.headers(), options.timeoutMs);
        const equal = read.parts === 1 && read.datasetBytes === part.datasetBytes && read.datasetSha256 === part.datasetSha256;
        measured.retrieved = { equal, s: read.s, datasetBytes: read.datasetBytes };
        if (!equal) problems.push(`WADO-RS instance: ${read.error ?? `${read.parts} parts, a data set of ${read.datasetBytes} bytes (sha256 ${read.datasetSha256}) where ${part.datasetBytes} (sha256 ${part.datasetSha256}) were sent`}`);
      } catch (err) {
        problems.push(`WADO-RS instance: the response broke off (${(err as Error).message})`);
      }
      // Whether an archive whose WADO-RS fails stored the instance right: its one stored file, read from disk.
      const files = measured.retrieved?.equal ? undefined : target.storedFiles?.();
      if (files && files.length !== 1) problems.push(`its storage area holds ${files.length} files, not the one instance`);
      else if (files) {
        const stored = await digestDataSet(fs.createReadStream(files[0] as string, { highWaterMark: 4 * MiB }));
        measured.storedFileEqual = stored.bytes === part.datasetBytes && stored.sha256 === part.datasetSha256;
        problems.push(`the file in its storage area ${measured.storedFileEqual ? 'has the data set sent' : `has a data set of ${stored.bytes} bytes (sha256 ${stored.sha256}), not the one sent`}`);
      }
      try {
        // Each frame starts with its number, 0-based (ensureLargeInstance).
        const frame = await retrieveFrame(url, frames, await web.headers(), options.timeoutMs);
        const frameEqual = frame.bytes?.length === FRAME_BYTES && frame.bytes.readUInt32LE(0) === frames - 1;
        measured.lastFrame = { frame: frames, equal: frameEqual, ms: frame.ms };
        if (!frameEqual) problems.push(`WADO-RS frame ${frames}: ${frame.error ?? `${frame.bytes?.length ?? 0} bytes starting with ${frame.bytes?.readUInt32LE(0)}, expected ${FRAME_BYTES} starting with ${frames - 1}`}`);
      } catch (err) {
        problems.push(`WADO-RS frame ${frames}: the response broke off (${(err as Error).message})`);
      }
    } else if (outcome.referenced) problems.push('the response gives no Retrieve URL (0008,1190) for the instance: not read back');
  } catch (err) {
    problems.push((err as Error).message);
  } finally {
    await target?.stop().catch((err: Error) => log(`  could not stop ${name} cleanly: ${err.message}`));
  }
  if (problems.length === 0) return { ...base, ...measured, status: 'ok', ...(target ? { logFile: target.logFile } : {}) };
  return { ...base, ...measured, status: 'failed', error: `${problems.join('\n')}${target ? `\n--- ${target.logFile}:\n${logTail(target.logFile, 1500)}` : ''}` };
}

/** The archives that answer C-MOVE; storescp only receives. */
const MOVE_SOURCES: readonly TargetName[] = ['tessera-distributed', 'tessera-all-in-one', 'orthanc-postgresql', 'orthanc-sqlite'];
const MOVE_DESTINATION = 'BENCHDST';

/**
 * Loads the corpus into a fresh target (4 associations, not measured), then moves the whole study to a
 * DCMTK storescp `repeat` times, each time into an empty directory, and checks every instance arrived.
 */
async function moveRuns(name: TargetName, corpus: Corpus, ctx: BenchContext, options: Options): Promise<MoveRunResult[]> {
  const base = { target: name, instances: corpus.files.length, bytes: corpus.bytes };
  const results: MoveRunResult[] = [];
  let target: RunningTarget | undefined;
  let destination: RunningTarget | undefined;
  try {
    target = await startTarget(name, ctx);
    const loaded = await Promise.all(split(corpus.files, 4).map((files) => storescu((target as RunningTarget).dimsePort, (target as RunningTarget).calledAE, files, options.timeoutMs)));
    const notLoaded = loaded.find((s) => s.succeeded !== s.files);
    if (notLoaded) throw new Error(`loading the study failed: ${notLoaded.problem ?? ''}`);
    await waitFor(async () => ((await (target as RunningTarget).countInstances(corpus.studyInstanceUID)) >= corpus.files.length ? true : undefined), SETTLE_MS[name], () => 'the loaded study did not become queryable');
    destination = await startTarget('storescp', ctx);
    if (!target.registerPeer || !destination.clear) throw new Error(`${name} cannot be a C-MOVE source`);
    await target.registerPeer(MOVE_DESTINATION, destination.dimsePort);
    // The requester itself, for archives that answer only known AEs; its port is never called.
    await target.registerPeer('BENCH', 104);
    for (let r = 0; r < options.repeat; r++) {
      destination.clear();
      const busyBefore = await waitForQuiet();
      const profiled = options.profile && name.startsWith('tessera');
      if (profiled) process.kill(target.pid, 'SIGWINCH');
      const before = cpuSnapshot();
      const t0 = performance.now();
      const moved = await movescu(target.dimsePort, target.calledAE, MOVE_DESTINATION, corpus.studyInstanceUID, options.timeoutMs);
      const wallS = (performance.now() - t0) / 1000;
      const cpu = cpuUsage(before, cpuSnapshot(), target.pid);
      const profile = profiled ? await collectProfile(target, ctx) : undefined;
      const received = await destination.countInstances(corpus.studyInstanceUID);
      if (!moved.ok || received !== corpus.files.length) {
        results.push({ ...base, status: 'failed', busyBefore, wallS, cpu, error: `movescu ${moved.ok ? 'succeeded' : 'failed'}, storescp received ${received} of ${corpus.files.length}${moved.problem ? `\n${moved.problem}` : ''}\n--- ${target.logFile}:\n${logTail(target.logFile, 1500)}` });
        continue;
      }
      results.push({ ...base, status: 'ok', busyBefore, wallS, cpu, instPerS: corpus.files.length / wallS, mibPerS: corpus.bytes / MiB / wallS, ...(profile ? { profile } : {}) });
    }
  } catch (err) {
    results.push({ ...base, status: 'failed', error: `${(err as Error).message}${target ? `\n--- ${target.logFile}:\n${logTail(target.logFile, 1500)}` : ''}` });
  } finally {
    await destination?.stop().catch((err: Error) => log(`  could not stop storescp cleanly: ${err.message}`));
    await target?.stop().catch((err: Error) => log(`  could not stop ${name} cleanly: ${err.message}`));
  }
  return results;
}

/**
 * Loads the CT study and the slide into a fresh archive (storescu, not measured), then measures its
 * DICOMweb reads (lib/dicomweb.ts); the target restarts twice on the way, for the cold figures.
 */
async function dicomwebRun(name: TargetName, ct: Corpus, slide: Slide, ctx: BenchContext, options: Options): Promise<DicomwebResult> {
  let target: RunningTarget | undefined;
  try {
    target = await startTarget(name, ctx);
    const t = target;
    // The slide's JPEG Baseline presentation context is proposed explicitly (-R -xy): storescu's default
    // list of 128 contexts does not reach VL Whole Slide Microscopy.
    const loads = await Promise.all([
      ...split(ct.files, 3).map((files) => storescu(t.dimsePort, t.calledAE, files, options.timeoutMs)),
      storescu(t.dimsePort, t.calledAE, slide.files, options.timeoutMs, ['-R', '-xy', '-ts', '900']),
    ]);
    const notLoaded = loads.find((l) => l.succeeded !== l.files);
    if (notLoaded) throw new Error(`loading failed: ${notLoaded.problem ?? ''}`);
    for (const [study, count] of [[ct.studyInstanceUID, ct.files.length], [slide.studyInstanceUID, slide.files.length]] as const) {
      await waitFor(async () => ((await t.countInstances(study)) >= count ? true : undefined), SETTLE_MS[name], () => `study ${study} did not become queryable`);
    }
    const plan: DicomwebPlan = { retrieveWarm: Math.max(3, Math.round(options.requests / 20)), metadata: Math.max(5, Math.round(options.requests / 10)), qido: Math.max(10, Math.round(options.requests / 4)), ctFrames: options.requests, tiles: options.requests, budgetMs: options.budgetMs,
      ...(options.profile ? { profiler: { start: (p: RunningTarget) => process.kill(p.pid, 'SIGWINCH'), collect: (p: RunningTarget) => collectProfile(p, ctx) } } : {}) };
    await waitForQuiet();
    const result = await measureDicomweb(t, ct, slide, plan);
    return result.status === 'ok' ? result : { ...result, error: `${result.error ?? ''}\n--- ${t.logFile}:\n${logTail(t.logFile, 1500)}` };
  } catch (err) {
    return { target: name, status: 'failed', error: `${(err as Error).message}${target ? `\n--- ${target.logFile}:\n${logTail(target.logFile, 1500)}` : ''}` };
  } finally {
    await target?.stop().catch((err: Error) => log(`  could not stop ${name} cleanly: ${err.message}`));
  }
}

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const began = Date.now();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const benchTmp = path.join(REPO, 'tmp', 'bench');
  const ctx: BenchContext = {
    repoRoot: REPO,
    workRoot: path.join(benchTmp, 'work'),
    logDir: path.join(benchTmp, 'logs', stamp),
    tesseraNodeArgs: options.profile ? ['--require', path.join(__dirname, 'support', 'cpu-profile.js')] : [],
    tesseraExtraEnv: options.profile ? { BENCH_CPU_PROFILE_DIR: path.join(benchTmp, 'logs', stamp) } : {},
  };
  fs.mkdirSync(ctx.workRoot, { recursive: true });
  fs.mkdirSync(ctx.logDir, { recursive: true });

  requireCommands(options.targets, options.move && options.targets.some((t) => MOVE_SOURCES.includes(t)), options.dicomweb);
  if (options.targets.some((t) => t === 'tessera-distributed' || t === 'orthanc-postgresql')) await ensureInfra();
  if (options.build && options.targets.some((t) => t.startsWith('tessera'))) {
    const b = await run(process.execPath, [path.join(REPO, 'scripts/build.js')], { cwd: REPO, timeoutMs: 5 * 60_000 });
    if (b.code !== 0) throw new Error(`npm run build failed:\n${b.output}`);
  }

  log(`Tessera bench ${stamp}: ${gitDescription()}, ${os.cpus().length} cores, node ${process.version}${options.profile ? ', Tessera CPU-profiled (slower)' : ''}`);
  log(`logs: ${path.relative(REPO, ctx.logDir)}`);
  // The CT corpus, unless only the 2 GiB case runs.
  const generated = performance.now();
  const corpus = options.ingest || options.move || options.dicomweb ? prefix(ensureCtCorpus(path.join(benchTmp, 'cache', 'ct-1000'), Math.max(1000, options.count)), options.count) : { studyInstanceUID: '', files: [], bytes: 0 };
  if (corpus.files.length > 0) log(`corpus: ${corpus.files.length} CT instances, ${(corpus.bytes / MiB).toFixed(1)} MiB (${((performance.now() - generated) / 1000).toFixed(1)} s to generate or check)`);

  const dicomweb: DicomwebResult[] = [];
  if (options.dicomweb) {
    const t = performance.now();
    const slide = await ensureSlide(path.join(benchTmp, 'cache', `wsi-${options.slideTiles}`), options.slideTiles, requireInfra().python, REPO);
    log(`slide: ${slide.levels.length} levels, ${slide.levels.reduce((n, l) => n + l.frames, 0)} tiles of 512 x 512, ${(slide.bytes / MiB).toFixed(0)} MiB (${((performance.now() - t) / 1000).toFixed(1)} s to generate or check)`);
    for (const name of options.targets) {
      process.stdout.write(`  ${name}, DICOMweb: `);
      const result = await dicomwebRun(name, corpus, slide, ctx, options);
      dicomweb.push(result);
      log(result.status === 'ok' ? `retrieve ${result.retrieveWarmMiBs?.toFixed(0)} MiB/s warm, tile p99 ${result.tile?.p99.toFixed(1)} ms` : `FAILED\n${indent(result.error ?? '')}`);
    }
  }

  const ingest: IngestResult[] = [];
  for (let r = 1; r <= (options.ingest ? options.repeat : 0); r++) {
    for (const associations of options.associations) {
      for (const name of options.targets) {
        process.stdout.write(`  ${name}, ${associations} assoc${options.repeat > 1 ? `, run ${r}` : ''}: `);
        const result = await ingestRun(name, corpus, associations, ctx, options);
        ingest.push(result);
        log(result.status === 'ok' ? `${result.instPerS?.toFixed(1)} inst/s${noise(result)}` : `FAILED\n${indent(result.error ?? '')}`);
      }
    }
  }

  const moves: MoveRunResult[] = [];
  for (const name of options.move ? options.targets.filter((t) => MOVE_SOURCES.includes(t)) : []) {
    process.stdout.write(`  ${name}, C-MOVE: `);
    const results = await moveRuns(name, corpus, ctx, options);
    moves.push(...results);
    log(results.map((r) => (r.status === 'ok' ? `${r.instPerS?.toFixed(1)} inst/s` : `FAILED\n${indent(r.error ?? '')}`)).join(', '));
  }

  const large: LargeResult[] = [];
  const stow: StowResult[] = [];
  if (options.large) {
    const largeTargets = options.targets.filter((t) => t === 'tessera-distributed' || t === 'tessera-all-in-one' || t === 'orthanc-sqlite');
    if (largeTargets.length > 0) {
      const t = performance.now();
      const big = await ensureLargeInstance(path.join(benchTmp, 'cache', `large-${options.largeFrames}`), options.largeFrames);
      log(`large instance: ${(big.bytes / MiB).toFixed(0)} MiB, ${options.largeFrames} frames (${((performance.now() - t) / 1000).toFixed(1)} s to generate or check)`);
      const part = options.largeStow ? await describePart10(big.files[0] as string) : undefined;
      for (const name of largeTargets) {
        if (options.largeDimse) {
          process.stdout.write(`  ${name}, ${(big.bytes / MiB / 1024).toFixed(2)} GiB over C-STORE: `);
          const result = await largeRun(name, big, ctx, options);
          large.push(result);
          log(result.status === 'ok' ? `peak RSS ${result.peakRssMiB?.toFixed(0)} MiB` : `FAILED\n${indent(result.error ?? '')}`);
        }
        if (part) {
          process.stdout.write(`  ${name}, ${(big.bytes / MiB / 1024).toFixed(2)} GiB over STOW-RS: `);
          const result = await stowRun(name, big, part, options.largeFrames, ctx, options);
          stow.push(result);
          log(result.status === 'ok' ? `RSS growth ${result.growthMiB?.toFixed(0)} MiB, ${result.mibPerS?.toFixed(0)} MiB/s` : `FAILED (RSS growth ${result.growthMiB?.toFixed(0) ?? '-'} MiB)\n${indent(result.error ?? '')}`);
        }
      }
    }
  }

  const totalS = (Date.now() - began) / 1000;
  const summary = medianIngest(ingest);
  log('');
  if (ingest.length > 0) log(formatIngest(summary, corpus));
  if (moves.length > 0) log(`\n${formatMove(moves)}`);
  if (large.length > 0) log(`\n${formatLarge(large)}`);
  if (stow.length > 0) log(`\n${formatStow(stow)}`);
  if (dicomweb.length > 0) log(`\n${formatDicomweb(dicomweb)}`);
  const profiles = ingest.flatMap((r) => (r.profile ? [{ label: `${r.target}, ${r.associations} assoc`, profile: r.profile }] : []));
  if (profiles.length > 0) log(`\n${formatProfiles('CPU profiles of Tessera during the send window (+ until indexed), self time of the main thread:', profiles)}`);
  const moveProfiles = moves.flatMap((r, i) => (r.profile ? [{ label: `${r.target}, move ${i + 1}`, profile: r.profile }] : []));
  if (moveProfiles.length > 0) log(`\n${formatProfiles('CPU profiles of Tessera during each C-MOVE, self time of the main thread:', moveProfiles)}`);
  const retrieveProfiles = dicomweb.flatMap((r) => (r.retrieveProfile ? [{ label: r.target, profile: r.retrieveProfile }] : []));
  if (retrieveProfiles.length > 0) log(`\n${formatProfiles('CPU profiles of Tessera over the cold series retrieve, self time of the main thread:', retrieveProfiles)}`);
  log(`\nwhole run: ${(totalS / 60).toFixed(1)} min`);

  const resultsDir = path.join(__dirname, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const out = path.join(resultsDir, `${stamp}.json`);
  fs.writeFileSync(
    out,
    JSON.stringify({ startedAt: new Date(began).toISOString(), totalS, git: gitDescription(), machine: { cores: os.cpus().length, model: os.cpus()[0]?.model, memGiB: os.totalmem() / 2 ** 30, node: process.version }, options, corpus: { instances: corpus.files.length, bytes: corpus.bytes }, summary, ingest, moves, large, stow, dicomweb }, null, 2),
  );
  log(`results: ${path.relative(REPO, out)}`);
}

/** CPU per instance and the load nobody here caused: whether a run's speed can be trusted at a glance. */
function noise(r: IngestResult): string {
  if (!r.cpu) return '';
  const perInstance = ((r.cpu.seconds.target ?? 0) * 1000) / r.instances;
  return ` (target ${perInstance.toFixed(1)} CPU ms/inst; other load ${((r.cpu.seconds.other ?? 0) / r.cpu.wallS).toFixed(2)} cores)`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the targets that are still running…\n`);
    void stopAllTargets().finally(() => process.exit(130));
  });
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
