import type { Corpus } from './corpus';
import type { DicomwebResult, Latencies } from './dicomweb';
import type { CpuUsage } from './meters';
import type { ProfileSummary } from './profile';
import type { TargetName } from './targets';

const MiB = 1024 * 1024;

export interface IngestResult {
  readonly target: TargetName;
  readonly associations: number;
  readonly instances: number;
  readonly bytes: number;
  readonly profiled: boolean;
  readonly status: 'ok' | 'failed';
  readonly error?: string;
  readonly startupS?: number;
  /** Share of the machine busy in the second before sending. */
  readonly busyBefore?: number;
  /** From the first storescu start to the last storescu exit. */
  readonly wallS?: number;
  readonly stored?: number;
  readonly instPerS?: number;
  readonly mibPerS?: number;
  /** After the last acknowledgement, until the target's query side showed every instance. */
  readonly settledAfterS?: number;
  readonly cpu?: CpuUsage;
  readonly baselineRssMiB?: number;
  readonly peakRssMiB?: number;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly logFile?: string;
  /** pg_stat_database counters divided by the instances stored (send window until queryable). */
  readonly dbPerInstance?: Readonly<Record<string, number>>;
  readonly profile?: ProfileSummary;
}

export interface LargeResult {
  readonly target: TargetName;
  readonly bytes: number;
  readonly status: 'ok' | 'failed';
  readonly error?: string;
  readonly busyBefore?: number;
  readonly wallS?: number;
  readonly mibPerS?: number;
  readonly baselineRssMiB?: number;
  readonly peakRssMiB?: number;
  readonly growthMiB?: number;
  readonly afterRssMiB?: number;
  readonly cpu?: CpuUsage;
  readonly logFile?: string;
}

/** The 2 GiB instance sent as the one part of a STOW-RS request, then read back. */
export interface StowResult {
  readonly target: TargetName;
  readonly bytes: number;
  /** ok: HTTP 200, listed in the Referenced SOP Sequence, retrieved equal to the file, its last frame right. */
  readonly status: 'ok' | 'failed';
  readonly error?: string;
  readonly busyBefore?: number;
  /** From the first byte sent to the response's last byte. */
  readonly wallS?: number;
  /** Until the client had handed the whole body to the socket. */
  readonly uploadS?: number;
  readonly mibPerS?: number;
  readonly httpStatus?: number;
  readonly referenced?: boolean;
  readonly failureReason?: number;
  readonly baselineRssMiB?: number;
  readonly peakRssMiB?: number;
  readonly growthMiB?: number;
  readonly afterRssMiB?: number;
  /** The request was cut off because the target's RSS passed this (MiB): it buffers the request. */
  readonly abortedAtRssMiB?: number;
  readonly cpu?: CpuUsage;
  /** The target's RSS (MiB) once a second over the measured window, for the JSON: where the peak came. */
  readonly rssMiBPerSecond?: readonly number[];
  /** WADO-RS Retrieve Instance: whether the data set that came back is the one sent, byte for byte. */
  readonly retrieved?: { readonly equal: boolean; readonly s: number; readonly datasetBytes: number };
  /** When WADO-RS did not give it back: whether the file in the archive's storage area has the data set sent (Orthanc). */
  readonly storedFileEqual?: boolean;
  /** WADO-RS frame N of N, whose byte range ends past 2^31: whether it holds the frame that was sent. */
  readonly lastFrame?: { readonly frame: number; readonly equal: boolean; readonly ms: number };
  readonly logFile?: string;
}

/** One line per target and association count: the median of its runs, or failed if any run failed. */
export interface IngestSummary {
  readonly target: TargetName;
  readonly associations: number;
  readonly runs: number;
  readonly failed: number;
  readonly instPerS?: number;
  readonly mibPerS?: number;
  readonly vsOrthancPg?: number;
  readonly vsOrthancSqlite?: number;
  /** The median run (by inst/s), whose CPU figures are shown. */
  readonly representative?: IngestResult;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function medianIngest(results: readonly IngestResult[]): IngestSummary[] {
  const keys = [...new Set(results.map((r) => `${r.associations}|${r.target}`))];
  const rows = keys.map((key): IngestSummary => {
    const runs = results.filter((r) => `${r.associations}|${r.target}` === key);
    const first = runs[0] as IngestResult;
    const failed = runs.filter((r) => r.status !== 'ok').length;
    if (failed > 0) return { target: first.target, associations: first.associations, runs: runs.length, failed };
    const instPerS = median(runs.map((r) => r.instPerS ?? 0));
    const representative = [...runs].sort((a, b) => Math.abs((a.instPerS ?? 0) - instPerS) - Math.abs((b.instPerS ?? 0) - instPerS))[0];
    return { target: first.target, associations: first.associations, runs: runs.length, failed, instPerS, mibPerS: median(runs.map((r) => r.mibPerS ?? 0)), ...(representative ? { representative } : {}) };
  });
  return rows.map((row) => {
    const ref = (t: TargetName): number | undefined => rows.find((r) => r.target === t && r.associations === row.associations)?.instPerS;
    const pg = ref('orthanc-postgresql');
    const sqlite = ref('orthanc-sqlite');
    return { ...row, ...(row.instPerS && pg ? { vsOrthancPg: row.instPerS / pg } : {}), ...(row.instPerS && sqlite ? { vsOrthancSqlite: row.instPerS / sqlite } : {}) };
  });
}

/** A plain text table: columns padded to their widest cell, numbers right-aligned. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const f1 = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(1));
const f2 = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(2));
const pct = (n: number | undefined): string => (n === undefined ? '-' : `${(n * 100).toFixed(0)}%`);
const cores = (u: CpuUsage | undefined, group: string): string => (u ? ((u.seconds[group] ?? 0) / u.wallS).toFixed(2) : '-');

export function formatIngest(summary: readonly IngestSummary[], corpus: Corpus): string {
  const perInstance = corpus.bytes / corpus.files.length / MiB;
  const out: string[] = [];
  out.push(`C-STORE ingest: ${corpus.files.length} CT instances of ${perInstance.toFixed(2)} MiB (${(corpus.bytes / MiB).toFixed(1)} MiB), Explicit VR Little Endian, DCMTK storescu`);
  out.push('(wall clock from the first association start to the last storescu exit; MiB = 2^20 bytes; median of runs)');
  out.push(
    table(
      ['target', 'assoc', 'inst/s', 'MiB/s', 'x Orthanc-PG', 'x Orthanc-SQLite', 'wall s', 'then queryable s', 'start s', 'peak RSS MiB'],
      summary.map((s) => {
        const r = s.representative;
        if (s.failed > 0) return [s.target, String(s.associations), `FAILED ${s.failed}/${s.runs}`, '-', '-', '-', '-', '-', '-', '-'];
        return [s.target, String(s.associations), f1(s.instPerS), f1(s.mibPerS), f2(s.vsOrthancPg), f2(s.vsOrthancSqlite), f2(r?.wallS), f2(r?.settledAfterS), f1(r?.startupS), f1(r?.peakRssMiB)];
      }),
    ),
  );
  out.push('');
  out.push('CPU during the send window in average cores used; other+kernel = machine busy time no listed process accounts for (softirq, other users).');
  out.push('CPU ms/inst = CPU time per instance of the target process, and of PostgreSQL + Kafka + MinIO: less sensitive to noise than inst/s.');
  out.push(
    table(
      ['target', 'assoc', 'target', 'storescu', 'postgres', 'kafka', 'minio', 'bench', 'other+kernel', 'machine busy', 'busy before', 'CPU ms/inst', 'infra ms/inst'],
      summary
        .filter((s) => s.representative?.cpu)
        .map((s) => {
          const r = s.representative as IngestResult;
          const u = r.cpu as CpuUsage;
          const perInstance = (groups: readonly string[]): string => ((groups.reduce((n, g) => n + (u.seconds[g] ?? 0), 0) * 1000) / r.instances).toFixed(1);
          return [
            s.target,
            String(s.associations),
            cores(u, 'target'),
            cores(u, 'storescu'),
            cores(u, 'postgres'),
            cores(u, 'kafka'),
            cores(u, 'minio'),
            cores(u, 'bench'),
            cores(u, 'other'),
            `${(u.machineBusy * 100).toFixed(0)}%`,
            pct(r.busyBefore),
            perInstance(['target']),
            perInstance(['postgres', 'kafka', 'minio']),
          ];
        }),
    ),
  );
  const withDb = summary.filter((s) => s.representative?.dbPerInstance);
  if (withDb.length > 0) {
    out.push('');
    out.push('PostgreSQL work per instance (pg_stat_database of the target\'s own database, from the first send until queryable):');
    const keys = ['xact_commit', 'xact_rollback', 'tup_inserted', 'tup_updated', 'tup_deleted', 'tup_fetched', 'tup_returned'];
    out.push(table(['target', 'assoc', ...keys], withDb.map((s) => [s.target, String(s.associations), ...keys.map((k) => f1(s.representative?.dbPerInstance?.[k]))])));
  }
  out.push('');
  for (const s of summary) {
    if (s.failed > 0) {
      out.push(`${s.target} ${s.associations} assoc: FAILED (${s.failed} of ${s.runs} runs)`);
      continue;
    }
    const ratios = [s.vsOrthancPg !== undefined ? `${f2(s.vsOrthancPg)}x Orthanc-PG` : undefined, s.vsOrthancSqlite !== undefined ? `${f2(s.vsOrthancSqlite)}x Orthanc-SQLite` : undefined].filter(Boolean);
    out.push(`${s.target} ${s.associations} assoc: ${f1(s.instPerS)} inst/s, ${f1(s.mibPerS)} MiB/s${ratios.length > 0 ? `, ${ratios.join(', ')}` : ''}`);
  }
  return out.join('\n');
}

export function formatLarge(results: readonly LargeResult[]): string {
  const gib = (results[0]?.bytes ?? 0) / 2 ** 30;
  return [
    `Receiving one ${gib.toFixed(2)} GiB instance (RSS of the target process, sampled every 100 ms; design goal for Tessera: < 256 MiB growth)`,
    table(
      ['target', 'status', 'send s', 'MiB/s', 'RSS before MiB', 'peak MiB', 'growth MiB', 'after MiB', 'target cores'],
      results.map((r) => [r.target, r.status === 'ok' ? 'ok' : 'FAILED', f1(r.wallS), r.status === 'ok' ? f1(r.mibPerS) : '-', f1(r.baselineRssMiB), f1(r.peakRssMiB), f1(r.growthMiB), f1(r.afterRssMiB), cores(r.cpu, 'target')]),
    ),
    ...results.filter((r) => r.status !== 'ok').map((r) => `${r.target}: ${r.error ?? ''}`),
  ].join('\n');
}

export function formatStow(results: readonly StowResult[]): string {
  const gib = (results[0]?.bytes ?? 0) / 2 ** 30;
  const yes = (b: boolean | undefined): string => (b === undefined ? '-' : b ? 'yes' : 'NO');
  return [
    `STOW-RS of one ${gib.toFixed(2)} GiB instance, streamed from disk (RSS of the target process, sampled every 100 ms until the instance is queryable; design goal for Tessera: < 256 MiB growth)`,
    table(
      ['target', 'status', 'HTTP', 'listed', 'wall s', 'MiB/s', 'RSS before MiB', 'peak MiB', 'growth MiB', 'after MiB', 'target cores', 'client cores', 'machine busy', 'read back equal', 'last frame'],
      results.map((r) => [
        r.target,
        r.status === 'ok' ? 'ok' : 'FAILED',
        r.httpStatus === undefined ? '-' : String(r.httpStatus),
        yes(r.referenced),
        f1(r.wallS),
        f1(r.mibPerS),
        f1(r.baselineRssMiB),
        f1(r.peakRssMiB),
        f1(r.growthMiB),
        f1(r.afterRssMiB),
        cores(r.cpu, 'target'),
        cores(r.cpu, 'bench'),
        pct(r.cpu?.machineBusy),
        r.retrieved ? `${yes(r.retrieved.equal)} (${r.retrieved.s.toFixed(1)} s)` : r.storedFileEqual !== undefined ? `NO; stored file ${yes(r.storedFileEqual)}` : '-',
        r.lastFrame ? `${yes(r.lastFrame.equal)} (${r.lastFrame.ms.toFixed(0)} ms)` : '-',
      ]),
    ),
    ...results.filter((r) => r.status !== 'ok').map((r) => `${r.target}: ${r.error ?? ''}`),
  ].join('\n');
}

/** V8 CPU profiles of Tessera, each with what it covered: self time of the main thread. */
export function formatProfiles(heading: string, profiles: readonly { readonly label: string; readonly profile: ProfileSummary }[]): string {
  const out: string[] = [heading];
  for (const { label, profile: p } of profiles) {
    out.push(`\n${label}: ${(p.totalMs / 1000).toFixed(1)} s profiled, main thread busy ${(p.busyShare * 100).toFixed(0)}%  (${p.file})`);
    out.push(table(['where', 'self ms', 'share'], p.byArea.slice(0, 15).map((a) => [a.area, a.ms.toFixed(0), `${(a.share * 100).toFixed(1)}%`])));
    out.push(table(['function', 'where', 'self ms', 'share'], p.topFunctions.slice(0, 20).map((f) => [f.fn.slice(0, 90), f.area, f.ms.toFixed(0), `${(f.share * 100).toFixed(1)}%`])));
  }
  return out.join('\n');
}

/** One C-MOVE of the whole corpus study from a target to a DCMTK storescp. */
export interface MoveRunResult {
  readonly target: TargetName;
  readonly instances: number;
  readonly bytes: number;
  readonly status: 'ok' | 'failed';
  readonly error?: string;
  readonly busyBefore?: number;
  /** From movescu's start to its exit after the final response. */
  readonly wallS?: number;
  readonly instPerS?: number;
  readonly mibPerS?: number;
  readonly cpu?: CpuUsage;
  /** With --profile: Tessera's V8 CPU profile over the move. */
  readonly profile?: ProfileSummary;
}

export function formatMove(results: readonly MoveRunResult[]): string {
  const targets = [...new Set(results.map((r) => r.target))];
  const rows = targets.map((target) => {
    const runs = results.filter((r) => r.target === target);
    const failed = runs.filter((r) => r.status !== 'ok').length;
    const instPerS = failed > 0 ? undefined : median(runs.map((r) => r.instPerS ?? 0));
    const representative = instPerS === undefined ? undefined : [...runs].sort((a, b) => Math.abs((a.instPerS ?? 0) - instPerS) - Math.abs((b.instPerS ?? 0) - instPerS))[0];
    const mibPerS = failed > 0 ? undefined : median(runs.map((r) => r.mibPerS ?? 0));
    return { target, runs: runs.length, failed, instPerS, mibPerS, representative };
  });
  const ref = (t: TargetName): number | undefined => rows.find((r) => r.target === t)?.instPerS;
  const pg = ref('orthanc-postgresql');
  const sqlite = ref('orthanc-sqlite');
  const first = results[0];
  const out = [
    `C-MOVE of one ${first?.instances ?? 0}-instance study to DCMTK storescp (movescu -S, STUDY level; wall clock from movescu start to the final response; median of runs)`,
    table(
      ['target', 'inst/s', 'MiB/s', 'x Orthanc-PG', 'x Orthanc-SQLite', 'wall s', 'target cores', 'CPU ms/inst', 'busy before'],
      rows.map((r) => {
        if (r.instPerS === undefined) return [r.target, `FAILED ${r.failed}/${r.runs}`, '-', '-', '-', '-', '-', '-', '-'];
        const rep = r.representative as MoveRunResult;
        return [r.target, f1(r.instPerS), f1(r.mibPerS), f2(pg ? r.instPerS / pg : undefined), f2(sqlite ? r.instPerS / sqlite : undefined), f2(rep.wallS), cores(rep.cpu, 'target'), rep.cpu ? (((rep.cpu.seconds.target ?? 0) * 1000) / rep.instances).toFixed(1) : '-', pct(rep.busyBefore)];
      }),
    ),
  ];
  for (const r of results.filter((x) => x.status !== 'ok')) out.push(`${r.target}: ${r.error ?? ''}`);
  return out.join('\n');
}

/** DICOMweb reads per target, with ratios to Orthanc-PostgreSQL, and the issue's goals for Tessera. */
export function formatDicomweb(results: readonly DicomwebResult[]): string {
  const ref = results.find((r) => r.target === 'orthanc-postgresql' && r.status === 'ok');
  const ratio = (mine: number | undefined, theirs: number | undefined): string => {
    if (mine === undefined || !theirs) return '-';
    const r = mine / theirs;
    // Two significant digits below 0.1: a tile in 13 ms against one in 8 s is 0.0015x, not 0.00x.
    return `${r < 0.1 ? r.toPrecision(2) : r.toFixed(2)}x`;
  };
  const ms = (n: number | undefined): string => (n === undefined ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1));
  const first = results.find((r) => r.retrieveBytes !== undefined);
  const out = [
    `DICOMweb reads (client: curl for series retrieves, Node http with keep-alive for the rest, TCP_NODELAY; ms from request to last byte; x = ratio to Orthanc-PG: for MiB/s higher is better, for ms lower is better)`,
    `Series retrieve of the ${((first?.retrieveBytes ?? 0) / 2 ** 20).toFixed(0)} MiB CT series (multipart/related; type="application/dicom", as stored) and series metadata (application/dicom+json):`,
    table(
      ['target', 'cold MiB/s', 'x', 'cold head ms', 'warm MiB/s', 'x', 'metadata p50 ms', 'p95 ms', 'x p95'],
      results.map((r) => [r.target, f1(r.retrieveColdMiBs), ratio(r.retrieveColdMiBs, ref?.retrieveColdMiBs), ms(r.retrieveColdHeadMs), f1(r.retrieveWarmMiBs), ratio(r.retrieveWarmMiBs, ref?.retrieveWarmMiBs), ms(r.seriesMetadata?.p50), ms(r.seriesMetadata?.p95), ratio(r.seriesMetadata?.p95, ref?.seriesMetadata?.p95)]),
    ),
    'CPU over the warm series retrieves, ms per MiB sent (client = curl and this bench; other = kernel softirq for loopback TCP and anyone else):',
    table(
      ['target', 'target', 'minio', 'postgres', 'client', 'other', 'machine busy'],
      results.map((r) => {
        const cpu = r.retrieveCpu;
        const mib = ((r.retrieveBytes ?? 0) / 2 ** 20) * Math.max(1, r.retrieveWarmRuns ?? 1);
        // curl runs as this process's child: its time is in the group of reaped children ("storescu").
        const seconds = (group: string): number => (group === 'client' ? (cpu?.seconds.bench ?? 0) + (cpu?.seconds.storescu ?? 0) : (cpu?.seconds[group] ?? 0));
        const per = (group: string): string => (cpu && mib > 0 ? ((seconds(group) * 1000) / mib).toFixed(2) : '-');
        return [r.target, per('target'), per('minio'), per('postgres'), per('client'), per('other'), cpu ? `${(cpu.machineBusy * 100).toFixed(0)}%` : '-'];
      }),
    ),
    '',
    'QIDO-RS (application/dicom+json), p50 / p95 ms: studies?PatientID=, series of the study, instances of the CT series:',
    table(
      ['target', 'studies', 'x p95', 'series', 'x p95', 'instances', 'x p95'],
      results.map((r) => {
        const q = r.qido;
        const pair = (l: Latencies | undefined): string => (l ? `${ms(l.p50)} / ${ms(l.p95)}` : '-');
        return [r.target, pair(q?.studiesByPatientId), ratio(q?.studiesByPatientId.p95, ref?.qido?.studiesByPatientId.p95), pair(q?.seriesOfStudy), ratio(q?.seriesOfStudy.p95, ref?.qido?.seriesOfStudy.p95), pair(q?.instancesOfSeries), ratio(q?.instancesOfSeries.p95, ref?.qido?.instancesOfSeries.p95)];
      }),
    ),
    '',
    'Frames: CT frame 1 of random instances (application/octet-stream, as stored); random tiles of the whole slide (image/jpeg, as wsidicom asks), warm, and the first tile after a restart:',
    table(
      ['target', 'CT p50 ms', 'p99 ms', 'x p99', 'tiles', 'tile p50 ms', 'p99 ms', 'x p99', 'first tile ms'],
      results.map((r) => [r.target, ms(r.ctFrame?.p50), ms(r.ctFrame?.p99), ratio(r.ctFrame?.p99, ref?.ctFrame?.p99), String(r.tile?.n ?? '-'), ms(r.tile?.p50), ms(r.tile?.p99), ratio(r.tile?.p99, ref?.tile?.p99), ms(r.firstTileAfterRestartMs)]),
    ),
  ];
  out.push('(- : not measured; a target that failed keeps what it measured before the failure, listed below)');
  for (const r of results.filter((x) => x.status === 'ok' && x.target.startsWith('tessera'))) {
    const goals = [
      ref ? `retrieve warm ${ratio(r.retrieveWarmMiBs, ref.retrieveWarmMiBs)} (goal >= 1x)` : undefined,
      ref ? `retrieve cold ${ratio(r.retrieveColdMiBs, ref.retrieveColdMiBs)} (goal >= 1.5x)` : undefined,
      ref ? `metadata p95 ${ratio(r.seriesMetadata?.p95, ref.seriesMetadata?.p95)} (goal <= 0.5x)` : undefined,
      `tile p99 ${ms(r.tile?.p99)} ms (goal <= 30 ms)`,
    ].filter(Boolean);
    out.push(`${r.target}: ${goals.join(', ')}`);
  }
  for (const r of results) {
    if (r.cutShort) out.push(`${r.target}: cut short by the time budget: ${r.cutShort.join('; ')}`);
    if (r.status !== 'ok') out.push(`${r.target}: ${r.error ?? ''}`);
  }
  return out.join('\n');
}
