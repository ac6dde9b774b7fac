// CPU and memory of platform processes, sampled from /proc (Linux) once a second.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface WatchedProcess {
  readonly name: string;
  readonly pid: number;
  /** Count its descendants too (Postgres backends). */
  readonly tree: boolean;
}

export interface ProcessSample {
  /** Epoch ms. */
  readonly t: number;
  /** Percent of one core over the interval before the sample. */
  readonly cpuPercent: number;
  readonly rssBytes: number;
}

export interface ProcessSummary {
  readonly name: string;
  readonly pid: number;
  readonly samples: number;
  readonly cpuAvgPercent: number;
  readonly cpuPeakPercent: number;
  /** CPU seconds used during the sampling. */
  readonly cpuSeconds: number;
  readonly rssStartBytes: number;
  readonly rssEndBytes: number;
  readonly rssPeakBytes: number;
  /** CPU ms per message accepted in the run (cpuSeconds over the whole run ÷ messages); NaN without messages. */
  readonly cpuMsPerMessage?: number;
}

/**
 * The Postgres backends that serve the load tester's own queries (its backlog probe every two
 * seconds, counting the run's messages by state): work of the harness, done inside Postgres.
 */
export const HARNESS_POSTGRES = 'postgres (load tester)';

/** Processes that are not the platform: the load generator, its Postgres backends and the stand-in carrier. */
export const HARNESS_PROCESSES: ReadonlySet<string> = new Set(['load-tester', HARNESS_POSTGRES, 'carrier-simulator']);

/** Descendants of a watched tree counted under a name of their own: `pids()` says which, at each sample. */
export interface SplitDescendants {
  /** The watched process (with `tree`) whose descendants are split. */
  readonly from: string;
  readonly name: string;
  readonly pids: () => ReadonlySet<number>;
}

/** Each process's CPU ms per message, and the platform's total (every process but the harness's) and Postgres's. */
export function cpuPerMessage(processes: readonly ProcessSummary[], messages: number): { readonly processes: ProcessSummary[]; readonly platformMs: number; readonly postgresMs: number } {
  const per = (cpuSeconds: number): number => (messages > 0 ? (cpuSeconds * 1_000) / messages : NaN);
  const withPer = processes.map((p) => ({ ...p, cpuMsPerMessage: per(p.cpuSeconds) }));
  const platform = processes.filter((p) => !HARNESS_PROCESSES.has(p.name)).reduce((sum, p) => sum + p.cpuSeconds, 0);
  const postgres = processes.filter((p) => p.name === 'postgres').reduce((sum, p) => sum + p.cpuSeconds, 0);
  return { processes: withPer, platformMs: per(platform), postgresMs: per(postgres) };
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

export const TICKS_PER_SECOND = clockTicksPerSecond();

interface StatLine {
  readonly ppid: number;
  readonly ticks: number;
  /** When the process started, in clock ticks after boot (null when the line stops short of it). */
  readonly startTicks: number | null;
}

/** /proc/<pid>/stat: the fields after the parenthesised command name (which may hold spaces). */
export function parseStat(line: string): StatLine | null {
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  const fields = line.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15, starttime 22.
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  const startTicks = fields[19] === undefined ? NaN : Number(fields[19]);
  return Number.isFinite(ppid) && Number.isFinite(ticks) ? { ppid, ticks, startTicks: Number.isFinite(startTicks) ? startTicks : null } : null;
}

/** How long the process has been running, in seconds (null when it is gone). */
export function secondsRunning(pid: number, proc = '/proc'): number | null {
  const stat = readStat(pid, proc);
  if (stat?.startTicks == null) return null;
  try {
    const uptime = Number(readFileSync(`${proc}/uptime`, 'utf8').split(' ')[0]);
    return Number.isFinite(uptime) ? Math.max(0, uptime - stat.startTicks / TICKS_PER_SECOND) : null;
  } catch {
    return null;
  }
}

export function parseRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1_024 : 0;
}

function readStat(pid: number, proc = '/proc'): StatLine | null {
  try {
    return parseStat(readFileSync(`${proc}/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

function readRss(pid: number, proc = '/proc'): number {
  try {
    return parseRssBytes(readFileSync(`${proc}/${pid}/status`, 'utf8'));
  } catch {
    return 0;
  }
}

/** Each process's children, from one pass over /proc (null when /proc cannot be read). */
function childrenByParent(proc = '/proc'): Map<number, number[]> | null {
  let entries: string[];
  try {
    entries = readdirSync(proc).filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const stat = readStat(Number(entry), proc);
    if (!stat) continue;
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(Number(entry));
    else children.set(stat.ppid, [Number(entry)]);
  }
  return children;
}

function descendants(root: number, children: Map<number, number[]> | null): number[] {
  if (!children) return [root];
  const all: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    all.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return all;
}

/**
 * CPU seconds a process (with `tree`, and its living descendants) has used since it started.
 * Differences of two readings give the CPU of what ran in between, to the clock tick.
 */
export function cpuSecondsUsed(target: WatchedProcess): number {
  const pids = target.tree ? descendants(target.pid, childrenByParent()) : [target.pid];
  const ticks = pids.reduce((sum, pid) => sum + (readStat(pid)?.ticks ?? 0), 0);
  return ticks / TICKS_PER_SECOND;
}

export class ProcessSampler {
  readonly series = new Map<string, ProcessSample[]>();
  private readonly ticksPerSecond = TICKS_PER_SECOND;
  /** Ticks seen last time per target and pid (a Postgres backend that ended takes its ticks with it). */
  private readonly last = new Map<string, { t: number; ticks: Map<number, number> }>();
  private timer: NodeJS.Timeout | null = null;

  private readonly targets: WatchedProcess[];

  /**
   * @param split descendants of one target counted under a name of their own
   * @param proc where /proc is (a test's stand-in)
   */
  constructor(
    targets: readonly WatchedProcess[],
    private readonly split: SplitDescendants | null = null,
    private readonly proc = '/proc',
  ) {
    this.targets = [...targets];
  }

  /** Samples `name` at `pid` from now on (a process started again after a crash). */
  follow(name: string, pid: number): void {
    const index = this.targets.findIndex((t) => t.name === name);
    const target = { ...(this.targets[index] ?? { name, tree: false }), pid };
    if (index < 0) this.targets.push(target);
    else this.targets[index] = target;
    this.last.delete(name);
  }

  start(intervalMs = 1_000): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
  }

  sample(): void {
    const now = Date.now();
    // One pass over /proc serves every target that counts its descendants.
    const children = this.targets.some((t) => t.tree) ? childrenByParent(this.proc) : null;
    for (const target of this.targets) {
      const pids = target.tree ? descendants(target.pid, children) : [target.pid];
      if (this.split && target.name === this.split.from) {
        const apart = this.split.pids();
        this.record(target.name, now, pids.filter((pid) => !apart.has(pid)));
        this.record(this.split.name, now, pids.filter((pid) => apart.has(pid)));
      } else {
        this.record(target.name, now, pids);
      }
    }
  }

  /** One sample of `name`: the CPU its `pids` used since the last one (a pid new to it counts from now). */
  private record(name: string, now: number, pids: readonly number[]): void {
    const ticks = new Map<number, number>();
    let rss = 0;
    for (const pid of pids) {
      const stat = readStat(pid, this.proc);
      if (!stat) continue;
      ticks.set(pid, stat.ticks);
      rss += readRss(pid, this.proc);
    }
    const previous = this.last.get(name);
    // A split part may have no process for a while (the load tester between its queries' connections).
    if (ticks.size === 0 && name !== this.split?.name) return;
    this.last.set(name, { t: now, ticks });
    if (!previous) return;
    let used = 0;
    for (const [pid, t] of ticks) used += t - (previous.ticks.get(pid) ?? t);
    const seconds = (now - previous.t) / 1_000;
    const series = this.series.get(name) ?? [];
    series.push({ t: now, cpuPercent: seconds > 0 ? (100 * used) / this.ticksPerSecond / seconds : 0, rssBytes: rss });
    this.series.set(name, series);
  }

  summaries(): ProcessSummary[] {
    const splitFrom = this.split ? this.targets.find((t) => t.name === this.split?.from) : undefined;
    const listed = this.split && splitFrom && this.series.has(this.split.name) ? [...this.targets, { name: this.split.name, pid: splitFrom.pid, tree: true }] : this.targets;
    return listed.map((target) => {
      const series = this.series.get(target.name) ?? [];
      const cpu = series.map((s) => s.cpuPercent);
      const rss = series.map((s) => s.rssBytes);
      const first = series[0];
      const last = series[series.length - 1];
      const seconds = first && last ? (last.t - first.t) / 1_000 : 0;
      const cpuSeconds = series.slice(1).reduce((sum, s, i) => sum + (s.cpuPercent / 100) * ((s.t - (series[i]?.t ?? s.t)) / 1_000), 0);
      return {
        name: target.name,
        pid: target.pid,
        samples: series.length,
        cpuAvgPercent: seconds > 0 ? (100 * cpuSeconds) / seconds : NaN,
        cpuPeakPercent: cpu.length ? Math.max(...cpu) : NaN,
        cpuSeconds,
        rssStartBytes: rss[0] ?? NaN,
        rssEndBytes: rss[rss.length - 1] ?? NaN,
        rssPeakBytes: rss.length ? Math.max(...rss) : NaN,
      };
    });
  }
}

/** PIDs that deploy/local/infra.sh records under its data directory. */
export function infrastructurePids(dataDir: string): WatchedProcess[] {
  const found: WatchedProcess[] = [];
  const read = (path: string): number | null => {
    try {
      const pid = Number(readFileSync(path, 'utf8').split('\n')[0]?.trim());
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  };
  const postgres = read(`${dataDir}/postgres/postmaster.pid`);
  if (postgres) found.push({ name: 'postgres', pid: postgres, tree: true });
  const redis = read(`${dataDir}/redis/redis.pid`);
  if (redis) found.push({ name: 'redis', pid: redis, tree: false });
  const kafka = read(`${dataDir}/kafka/kafka.pid`);
  if (kafka) found.push({ name: 'kafka', pid: kafka, tree: true });
  return found;
}
