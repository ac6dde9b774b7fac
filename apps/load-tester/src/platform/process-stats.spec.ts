import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuPerMessage, HARNESS_POSTGRES, parseRssBytes, parseStat, ProcessSampler, ProcessSummary, secondsRunning, TICKS_PER_SECOND } from './process-stats';

const process = (name: string, cpuSeconds: number): ProcessSummary => ({
  name,
  pid: 1,
  samples: 10,
  cpuAvgPercent: 0,
  cpuPeakPercent: 0,
  cpuSeconds,
  rssStartBytes: 0,
  rssEndBytes: 0,
  rssPeakBytes: 0,
});

describe('cpuPerMessage', () => {
  const processes = [process('api-gateway', 2), process('postgres', 3), process('kafka', 1), process('carrier-simulator', 5), process('load-tester', 4)];

  it('gives each process its CPU ms per message', () => {
    const { processes: per } = cpuPerMessage(processes, 1_000);
    expect(per.map((p) => [p.name, p.cpuMsPerMessage])).toEqual([
      ['api-gateway', 2],
      ['postgres', 3],
      ['kafka', 1],
      ['carrier-simulator', 5],
      ['load-tester', 4],
    ]);
  });

  it('sums the platform without the load generator and the stand-in carrier, and gives Postgres alone', () => {
    expect(cpuPerMessage(processes, 500)).toMatchObject({ platformMs: 12, postgresMs: 6 });
  });

  it("counts the load tester's Postgres backends with the harness", () => {
    expect(cpuPerMessage([...processes, process(HARNESS_POSTGRES, 2)], 500)).toMatchObject({ platformMs: 12, postgresMs: 6 });
  });

  it('is not a number without messages', () => {
    const result = cpuPerMessage(processes, 0);
    expect(result.platformMs).toBeNaN();
    expect(result.processes.every((p) => Number.isNaN(p.cpuMsPerMessage))).toBe(true);
  });
});

describe('/proc parsing', () => {
  it('reads ppid, utime + stime and the start time after a command name with spaces', () => {
    const fields = ['S', '42', ...Array.from({ length: 9 }, () => '0'), '150', '50', ...Array.from({ length: 6 }, () => '0'), '90000', '0'];
    expect(parseStat(`123 (node main (x)) ${fields.join(' ')}`)).toEqual({ ppid: 42, ticks: 200, startTicks: 90_000 });
  });

  it('tells how long a process has been running from its start time and the uptime', () => {
    const proc = mkdtempSync(join(tmpdir(), 'proc-'));
    mkdirSync(join(proc, '77'));
    const fields = ['S', '1', ...Array.from({ length: 9 }, () => '0'), '0', '0', ...Array.from({ length: 6 }, () => '0'), String(1_000 * TICKS_PER_SECOND), '0'];
    writeFileSync(join(proc, '77', 'stat'), `77 (java) ${fields.join(' ')}`);
    writeFileSync(join(proc, 'uptime'), '4600.50 9000.00\n');
    expect(secondsRunning(77, proc)).toBeCloseTo(3_600.5, 5);
    expect(secondsRunning(78, proc)).toBeNull();
    rmSync(proc, { recursive: true, force: true });
  });

  it('reads VmRSS in bytes', () => {
    expect(parseRssBytes('Name:\tnode\nVmRSS:\t  2048 kB\n')).toBe(2_097_152);
  });
});

describe('ProcessSampler', () => {
  let proc: string;
  /** Writes a stand-in /proc entry: `ticks` of CPU in all, child of `ppid`. */
  const entry = (pid: number, ppid: number, ticks: number): void => {
    mkdirSync(join(proc, String(pid)), { recursive: true });
    const fields = ['S', String(ppid), ...Array.from({ length: 9 }, () => '0'), String(ticks), '0'];
    writeFileSync(join(proc, String(pid), 'stat'), `${pid} (postgres) ${fields.join(' ')}`);
    writeFileSync(join(proc, String(pid), 'status'), 'VmRSS:\t  1024 kB\n');
  };
  const seconds = (summaries: ProcessSummary[], name: string): number | undefined => summaries.find((s) => s.name === name)?.cpuSeconds;

  beforeEach(() => {
    proc = mkdtempSync(join(tmpdir(), 'proc-'));
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
    rmSync(proc, { recursive: true, force: true });
  });

  /** Samples once a second, `ticks` giving each pid's total at each sample. */
  const run = (sampler: ProcessSampler, ticks: Array<Record<number, number>>, between: (i: number) => void = () => undefined): ProcessSummary[] => {
    ticks.forEach((totals, i) => {
      between(i);
      for (const [pid, t] of Object.entries(totals)) entry(Number(pid), Number(pid) === 100 ? 1 : 100, t);
      sampler.sample();
      jest.advanceTimersByTime(1_000);
    });
    return sampler.summaries();
  };

  it('counts the descendants it is told of under a name of their own, and the rest under the tree', () => {
    const sampler = new ProcessSampler([{ name: 'postgres', pid: 100, tree: true }], { from: 'postgres', name: HARNESS_POSTGRES, pids: () => new Set([102]) }, proc);
    // The summaries count from the second sample on.
    const summaries = run(sampler, [
      { 100: 0, 101: 0, 102: 0 },
      { 100: 10, 101: 100, 102: 200 },
      { 100: 20, 101: 160, 102: 240 },
    ]);
    // 10 + 60 ticks against 40: the ratio holds whatever the clock tick is.
    expect((seconds(summaries, 'postgres') ?? NaN) / (seconds(summaries, HARNESS_POSTGRES) ?? NaN)).toBeCloseTo(70 / 40, 10);
  });

  it('counts a backend from the moment it is told of', () => {
    let harness = new Set<number>();
    const sampler = new ProcessSampler([{ name: 'postgres', pid: 100, tree: true }], { from: 'postgres', name: HARNESS_POSTGRES, pids: () => harness }, proc);
    const summaries = run(
      sampler,
      [{ 100: 0, 101: 0 }, { 100: 0, 101: 10 }, { 100: 0, 101: 60 }, { 100: 0, 101: 90 }, { 100: 0, 101: 110 }],
      (i) => {
        if (i === 3) harness = new Set([101]);
      },
    );
    // 50 ticks before it was told of; the 30 of the sample where it moved are in neither part; the 20 after it are the harness's.
    expect((seconds(summaries, 'postgres') ?? NaN) / (seconds(summaries, HARNESS_POSTGRES) ?? NaN)).toBeCloseTo(50 / 20, 10);
    expect(summaries.map((s) => s.name)).toEqual(['postgres', HARNESS_POSTGRES]);
  });
});
