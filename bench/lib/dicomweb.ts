import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type { Corpus, Slide } from './corpus';
import { cpuSnapshot, cpuUsage, type CpuUsage } from './meters';
import type { ProfileSummary } from './profile';
import type { RunningTarget } from './targets';

/** One HTTP exchange as the client saw it. */
export interface Exchange {
  readonly status: number;
  readonly contentType: string;
  readonly bytes: number;
  /** From sending the request to the last byte of the body. */
  readonly ms: number;
  /** From sending the request to the response head. */
  readonly headMs: number;
  /** The first bytes of the body, for a sanity check of what came back. */
  readonly head: Buffer;
}

/**
 * A keep-alive client with TCP_NODELAY on every socket (ARCHITECTURE §8), one per target, so that no
 * measurement pays for a TCP handshake except the first.
 */
export class HttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  async get(url: string, headers: Record<string, string>): Promise<Exchange> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.get(url, { agent: this.agent, headers }, (res) => {
        const headMs = performance.now() - t0;
        let bytes = 0;
        const head: Buffer[] = [];
        let headBytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (headBytes < 4096) {
            head.push(chunk.subarray(0, 4096 - headBytes));
            headBytes += Math.min(chunk.length, 4096 - headBytes);
          }
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), bytes, ms: performance.now() - t0, headMs, head: Buffer.concat(head) }));
        res.once('error', reject);
      });
      req.setNoDelay(true);
      req.setTimeout(600_000, () => req.destroy(new Error(`no answer from ${url} in 600 s`)));
      req.once('error', reject);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * One GET with curl, the body thrown away: for the series retrieves, where the client's own cost per
 * byte matters. On this 2-core machine Node's http client spends about 2.5 ms of CPU per MiB it
 * receives (parsing, a buffer per read, GC), a third of the machine at 250 MiB/s, taken from the target
 * and its object store; curl spends a tenth of that. curl sets TCP_NODELAY by default (said again
 * here). Times are curl's own, from the start of the request (a new connection: one loopback
 * handshake) to the last byte.
 */
export function curlGet(url: string, headers: Record<string, string>): Promise<Exchange> {
  const args = ['--silent', '--show-error', '--tcp-nodelay', '--output', '/dev/null', '--write-out', '%{http_code} %{size_download} %{time_starttransfer} %{time_total} %{content_type}', '--max-time', '600'];
  for (const [name, value] of Object.entries(headers)) args.push('--header', `${name}: ${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile('curl', args, (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl ${url}: ${stderr || err.message}`));
      const [status, bytes, head, total, ...type] = stdout.trim().split(' ');
      resolve({ status: Number(status), contentType: type.join(' '), bytes: Number(bytes), ms: Number(total) * 1000, headMs: Number(head) * 1000, head: Buffer.alloc(0) });
    });
  });
}

/** What a series retrieve asks for: the instances as stored (the corpus is Explicit VR Little Endian, DICOMweb's default). */
const DICOM_MULTIPART = 'multipart/related; type="application/dicom"';
/** Frames of an uncompressed instance, as stored (PS3.18 8.7.3.3.2). */
const OCTET_FRAMES = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
/** What wsidicom (through dicomweb-client) asks for a tile of a JPEG Baseline slide. */
const JPEG_FRAMES = 'multipart/related; type="image/jpeg"; transfer-syntax=1.2.840.10008.1.2.4.50';
const DICOM_JSON = 'application/dicom+json';

export interface Latencies {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export function latencies(ms: readonly number[]): Latencies {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1] ?? NaN };
}

export interface DicomwebResult {
  readonly target: string;
  /** failed: what was measured before the failure is kept. */
  readonly status: 'ok' | 'failed';
  readonly error?: string;
  /** Series retrieve: the first after a restart, then the median of `warm` runs (MiB/s). */
  readonly retrieveColdMiBs?: number;
  readonly retrieveWarmMiBs?: number;
  readonly retrieveBytes?: number;
  /** The cold retrieve's time to the response head (ms): what the first request after a restart waits before any instance flows. */
  readonly retrieveColdHeadMs?: number;
  /** CPU by process group over the warm retrieves (target, minio, postgres, bench = the client, …). */
  readonly retrieveCpu?: CpuUsage;
  readonly retrieveWarmRuns?: number;
  /** With --profile: Tessera's V8 CPU profile over the cold retrieve. */
  readonly retrieveProfile?: ProfileSummary;
  readonly seriesMetadata?: Latencies;
  readonly qido?: { readonly studiesByPatientId: Latencies; readonly seriesOfStudy: Latencies; readonly instancesOfSeries: Latencies };
  readonly ctFrame?: Latencies;
  /** Random tiles of the whole pyramid, warm; the first tile after a restart. */
  readonly tile?: Latencies;
  readonly firstTileAfterRestartMs?: number;
  /** Requests a time budget cut short (a slow target), per measurement. */
  readonly cutShort?: readonly string[];
}

export interface DicomwebPlan {
  readonly retrieveWarm: number;
  readonly metadata: number;
  readonly qido: number;
  readonly ctFrames: number;
  readonly tiles: number;
  /** Per measurement: stop repeating after this long and report how many were made. */
  readonly budgetMs: number;
  /** With --profile: starts Tessera's CPU profiler, and stops it and summarises the profile. */
  readonly profiler?: { start(target: RunningTarget): void; collect(target: RunningTarget): Promise<ProfileSummary | undefined> };
}

/** A deterministic generator (mulberry32), so that every target is asked for the same frames. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expectOk(e: Exchange, what: string, contentType: string, marker?: Buffer): Exchange {
  if (e.status !== 200) throw new Error(`${what}: HTTP ${e.status} ${e.head.toString('utf8', 0, 300)}`);
  if (!e.contentType.startsWith(contentType)) throw new Error(`${what}: content type ${e.contentType}, expected ${contentType}`);
  if (marker && e.head.indexOf(marker) < 0) throw new Error(`${what}: no ${marker.toString('hex')} in the first bytes of the body`);
  return e;
}

const JPEG_SOI = Buffer.from([0xff, 0xd8, 0xff]);

/**
 * Measures one target that holds `ct` and `slide`. Restarts it twice: before the cold series retrieve
 * and before the first tile, so that both meet a process with empty caches.
 */
export async function measureDicomweb(target: RunningTarget, ct: Corpus, slide: Slide, plan: DicomwebPlan): Promise<DicomwebResult> {
  const web = target.dicomweb;
  if (!web || !target.restart) throw new Error(`${target.name} has no DICOMweb service`);
  const client = new HttpClient();
  const cutShort: string[] = [];
  const get = async (url: string, accept: string): Promise<Exchange> => client.get(`${web.base}${url}`, { accept, ...(await web.headers()) });
  /** Repeats `once` up to `n` times within the time budget; its latencies. */
  const repeat = async (what: string, n: number, once: () => Promise<number>): Promise<Latencies> => {
    const ms: number[] = [];
    const deadline = performance.now() + plan.budgetMs;
    for (let i = 0; i < n; i++) {
      ms.push(await once());
      if (performance.now() > deadline && i + 1 < n) {
        cutShort.push(`${what}: ${i + 1} of ${n} in the ${plan.budgetMs / 1000} s budget`);
        break;
      }
    }
    return latencies(ms);
  };
  // Filled as the measurements go, so that a failure late in the run keeps what came before it.
  const measured: { -readonly [K in keyof DicomwebResult]?: DicomwebResult[K] } = {};
  try {
    const study = ct.studyInstanceUID;
    // The CT series and its instances, from the target itself (the same for every target).
    const [series] = await uidsOf(`${web.base}/studies/${study}/series`, '0020000E', await web.headers());
    const seriesUrl = `/studies/${study}/series/${series ?? ''}`;
    const instances = await uidsOf(`${web.base}${seriesUrl}/instances`, '00080018', await web.headers());
    if (instances.length !== ct.files.length) throw new Error(`QIDO lists ${instances.length} instances of the CT series, ${ct.files.length} were stored`);

    // Series retrieve, cold: the first request after the process started again.
    await target.restart();
    const retrieve = async (): Promise<Exchange> =>
      expectOk(await curlGet(`${web.base}${seriesUrl}`, { accept: DICOM_MULTIPART, ...(await web.headers()) }), 'series retrieve', 'multipart/related');
    const profiled = plan.profiler !== undefined && target.name.startsWith('tessera');
    if (profiled) plan.profiler?.start(target);
    const cold = await retrieve();
    if (profiled) measured.retrieveProfile = await plan.profiler?.collect(target);
    const warm: number[] = [];
    const before = cpuSnapshot();
    for (let i = 0; i < plan.retrieveWarm; i++) warm.push((await retrieve()).ms);
    measured.retrieveCpu = cpuUsage(before, cpuSnapshot(), target.pid);
    measured.retrieveWarmRuns = warm.length;
    const mib = cold.bytes / 2 ** 20;
    measured.retrieveBytes = cold.bytes;
    measured.retrieveColdMiBs = mib / (cold.ms / 1000);
    measured.retrieveColdHeadMs = cold.headMs;
    measured.retrieveWarmMiBs = mib / (latencies(warm).p50 / 1000);

    measured.seriesMetadata = await repeat('series metadata', plan.metadata, async () => expectOk(await get(`${seriesUrl}/metadata`, DICOM_JSON), 'series metadata', DICOM_JSON).ms);
    measured.qido = {
      studiesByPatientId: await repeat('QIDO studies', plan.qido, async () => expectOk(await get(`/studies?PatientID=BENCH-0001`, DICOM_JSON), 'QIDO studies', DICOM_JSON).ms),
      seriesOfStudy: await repeat('QIDO series', plan.qido, async () => expectOk(await get(`/studies/${study}/series`, DICOM_JSON), 'QIDO series', DICOM_JSON).ms),
      instancesOfSeries: await repeat('QIDO instances', plan.qido, async () => expectOk(await get(`${seriesUrl}/instances`, DICOM_JSON), 'QIDO instances', DICOM_JSON).ms),
    };
    const pickCt = random(1);
    measured.ctFrame = await repeat('CT frame', plan.ctFrames, async () => {
      const sop = instances[Math.floor(pickCt() * instances.length)] as string;
      return expectOk(await get(`${seriesUrl}/instances/${sop}/frames/1`, OCTET_FRAMES), 'CT frame', 'multipart/related').ms;
    });

    // Tiles: uniformly over every frame of the pyramid (so mostly of the full-resolution level).
    const frames = slide.levels.flatMap((l) => Array.from({ length: l.frames }, (_, i) => [l.sop, i + 1] as const));
    const pickTile = random(2);
    const tileUrl = (): string => {
      const [sop, frame] = frames[Math.floor(pickTile() * frames.length)] as readonly [string, number];
      return `/studies/${slide.studyInstanceUID}/series/${slide.seriesInstanceUID}/instances/${sop}/frames/${frame}`;
    };
    await target.restart();
    measured.firstTileAfterRestartMs = expectOk(await get(tileUrl(), JPEG_FRAMES), 'first tile', 'multipart/related', JPEG_SOI).ms;
    measured.tile = await repeat('tiles', plan.tiles, async () => expectOk(await get(tileUrl(), JPEG_FRAMES), 'tile', 'multipart/related', JPEG_SOI).ms);
    return { ...measured, target: target.name, status: 'ok', ...(cutShort.length > 0 ? { cutShort } : {}) };
  } catch (err) {
    return { ...measured, target: target.name, status: 'failed', error: (err as Error).message, ...(cutShort.length > 0 ? { cutShort } : {}) };
  } finally {
    client.close();
  }
}

/** One UID attribute of each match of a QIDO-RS search (read whole: it is small). */
async function uidsOf(url: string, tag: string, headers: Record<string, string>): Promise<string[]> {
  const res = await fetch(url, { headers: { accept: DICOM_JSON, ...headers } });
  if (!res.ok) throw new Error(`QIDO ${url}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as Record<string, { Value?: string[] }>[];
  return body.map((m) => m[tag]?.Value?.[0] ?? '').filter(Boolean);
}
