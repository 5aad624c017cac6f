import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface ProcTimes {
  readonly comm: string;
  readonly ppid: number;
  /** utime + stime in seconds. */
  readonly own: number;
  /** cutime + cstime in seconds: children it has waited for (e.g. storescp's forked receivers). */
  readonly reaped: number;
}

/** CPU time of every process on the machine, and the machine's busy/total time, at one instant. */
export interface CpuSnapshot {
  readonly at: number;
  readonly procs: ReadonlyMap<number, ProcTimes>;
  readonly busy: number;
  readonly total: number;
  /** Machine-wide softirq and steal seconds (loopback TCP is softirq work; steal is the hypervisor's). */
  readonly softirq: number;
  readonly steal: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const procs = new Map<number, ProcTimes>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      // comm is in parentheses and may contain spaces; fields after it are space separated.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      // After comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
      const own = (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
      const reaped = (Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
      procs.set(Number(entry), { comm, ppid: Number(f[1]), own, reaped });
    } catch {
      // the process ended while we looked
    }
  }
  const cpuLine = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0] as string;
  const v = cpuLine.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal; idle and iowait are not busy.
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0) / CLOCK_TICKS;
  const idle = ((v[3] ?? 0) + (v[4] ?? 0)) / CLOCK_TICKS;
  return { at: Date.now(), procs, busy: total - idle, total, softirq: (v[6] ?? 0) / CLOCK_TICKS, steal: (v[7] ?? 0) / CLOCK_TICKS };
}

/** CPU seconds spent between two snapshots, grouped: the target's process tree, infrastructure, the rest. */
export interface CpuUsage {
  readonly wallS: number;
  /** Fraction of all cores busy over the window (1 = the whole machine). */
  readonly machineBusy: number;
  /** CPU seconds per group; divide by wallS for average cores used. */
  readonly seconds: Record<string, number>;
  /** Machine-wide softirq and steal seconds in the window (part of `other` unless a process was charged). */
  readonly softirqS: number;
  readonly stealS: number;
  /** The busiest processes outside the groups (someone else's build or tests), for judging noise. */
  readonly topOthers: readonly { pid: number; comm: string; s: number }[];
}

/**
 * Groups: `target` (the pid and its descendants, with the children they reaped, e.g. storescp's forked
 * receivers), `storescu` (children this process reaped, i.e. the senders that exited in the window),
 * `bench` (this process), `postgres`, `kafka`, `minio`, and `other`: the machine's busy time not
 * accounted for above (other users of this machine, the kernel's softirq work for loopback TCP).
 * Other processes count only their own time: a shell's reaped-children time jumps when a long job of
 * someone else's ends, which says nothing about this window.
 */
export function cpuUsage(before: CpuSnapshot, after: CpuSnapshot, targetPid: number | undefined): CpuUsage {
  const inTarget = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 50; hops++) {
      if (p === targetPid) return true;
      p = after.procs.get(p)?.ppid ?? before.procs.get(p)?.ppid;
    }
    return false;
  };
  const seconds: Record<string, number> = { target: 0, storescu: 0, bench: 0, postgres: 0, kafka: 0, minio: 0, other: 0 };
  const add = (group: string, s: number): void => {
    if (s > 0) seconds[group] = (seconds[group] ?? 0) + s;
  };
  const others: { pid: number; comm: string; s: number }[] = [];
  for (const [pid, now] of after.procs) {
    const was = before.procs.get(pid);
    const own = now.own - (was?.own ?? 0);
    if (pid === process.pid) {
      add('bench', own);
      add('storescu', now.reaped - (was?.reaped ?? 0));
    } else if (targetPid !== undefined && inTarget(pid)) add('target', own + now.reaped - (was?.reaped ?? 0));
    else if (now.comm.startsWith('postgres')) add('postgres', own);
    else if (now.comm === 'java') add('kafka', own);
    else if (now.comm === 'minio') add('minio', own);
    else if (own > 0) others.push({ pid, comm: now.comm, s: own });
  }
  const busy = after.busy - before.busy;
  const attributed = Object.values(seconds).reduce((a, b) => a + b, 0);
  seconds.other = Math.max(0, busy - attributed);
  const wallS = (after.at - before.at) / 1000;
  const total = after.total - before.total;
  return {
    wallS,
    machineBusy: total > 0 ? busy / total : 0,
    seconds,
    softirqS: after.softirq - before.softirq,
    stealS: after.steal - before.steal,
    topOthers: others.sort((a, b) => b.s - a.s).slice(0, 3),
  };
}

/** Resident set size of a process in bytes (VmRSS), or undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; reports the peak and the samples. */
export class RssSampler {
  private readonly samples: { t: number; rss: number }[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly pid: number,
    intervalMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    const rss = rssBytes(this.pid);
    if (rss !== undefined) this.samples.push({ t: Date.now() - this.started, rss });
  }

  stop(): { peak: number; samples: readonly { t: number; rss: number }[] } {
    clearInterval(this.timer);
    this.sample();
    return { peak: Math.max(0, ...this.samples.map((s) => s.rss)), samples: this.samples };
  }
}

/**
 * Waits (up to `maxWaitMs`) for a second in which less than `threshold` of the machine is busy, and
 * returns the share last seen. Other people's builds and tests on this machine otherwise land inside
 * a measurement; the share is reported with each run so that a noisy one can be recognised.
 */
export async function waitForQuiet(threshold = 0.25, maxWaitMs = 20_000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const a = cpuSnapshot();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const b = cpuSnapshot();
    const share = (b.busy - a.busy) / Math.max(1e-9, b.total - a.total);
    if (share < threshold || Date.now() > deadline) return share;
  }
}
