// The run's JSON result, drawn from everything the run measured and recorded.
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import type { Ceiling } from '../ceilings/ceilings';
import { countsPerBucket, windowSeries } from '../measure/windows';
import type { HarnessRun } from '../platform/harness';
import { cpuPerMessage, ProcessSampler } from '../platform/process-stats';
import type { DuplicateReport } from '../platform/simulator-client';
import type { ExpectedQuota } from '../quotas/expected-quotas';
import type { BacklogSample, MachineInfo, PhaseOutcome, QuotaSeries, RunResult } from '../report/result';
import type { Analysis, QuotaResult } from '../verify/analysis';
import type { DrainOutcome } from './drain';
import type { PhaseRun, PreparedLoad } from './load';
import type { RunOptions, RunRecords } from './options';
import type { RunFixtures, RunTarget } from './prepare';
import { verdict } from './verdict';

/** Everything a run's result is drawn from. */
export interface RunOutcome {
  readonly options: RunOptions;
  readonly run: HarnessRun;
  /** The load average before anything started. */
  readonly loadAtStart: number[];
  readonly target: RunTarget;
  readonly fixtures: RunFixtures;
  readonly ceilings: Ceiling[];
  readonly load: PreparedLoad;
  readonly phaseResults: readonly PhaseRun[];
  /** Epoch ms the last phase ended. */
  readonly arrivalEnd: number;
  readonly drain: DrainOutcome;
  readonly records: RunRecords;
  readonly analysis: Analysis;
  readonly simulatorDuplicates: DuplicateReport | null;
  readonly backlog: BacklogSample[];
  readonly sampler: ProcessSampler;
}

/** The 1, 5 and 15 minute load averages, to two decimals. */
export const loadAverage = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100);

export function buildResult(outcome: RunOutcome): RunResult {
  const { options, run, target, fixtures, load, phaseResults, analysis, sampler } = outcome;
  const { scenario } = options;
  const { generator, runStart } = load;
  const { accounts, quotas } = fixtures;
  const { submissions } = outcome.records;
  const search = scenario.search;

  const phases = phaseOutcomes(phaseResults, analysis);
  const sustainableRates = phases.filter((p) => p.sustainable).map((p) => p.targetRate);

  const ours = new Set(generator.messages.map((m) => m.dst));
  const carrierTimes = submissions.filter((s) => s.status === undefined && ours.has(s.destination)).map((s) => s.receivedAt);
  const spanFrom = runStart;
  const spanTo = Math.max(Date.now(), ...carrierTimes);
  const carrierPerSecond = countsPerBucket(carrierTimes, spanFrom, spanTo, 1_000).map((count, i) => ({ t: spanFrom + i * 1_000, count }));

  const failures = verdict(scenario, analysis.quotas, analysis, generator, outcome.simulatorDuplicates, outcome.drain.timedOut, options.allowances?.() ?? null);
  const requests = generator.sent;
  const arrivalSeconds = (outcome.arrivalEnd - runStart) / 1_000;
  const cpu = cpuPerMessage(sampler.summaries(), generator.messages.length);
  return {
    tool: 'sluice-load-tester',
    runId: run.runId,
    scenario,
    startedAt: run.startedAt.toISOString(),
    loadStartedAt: runStart,
    finishedAt: new Date().toISOString(),
    machine: machineInfo(outcome.loadAtStart),
    target: { startedByHarness: target.platform !== null, gatewayUrl: target.gatewayUrl, simulatorUrl: target.simulatorUrl, simulatorReset: target.simulatorReset },
    sizes: {
      accounts: accounts.length,
      numbers: accounts.reduce((n, a) => n + a.numbers.length, 0),
      brands: accounts.filter((a) => a.brand).length,
      quotas: quotas.length,
    },
    ceilings: outcome.ceilings,
    phases,
    search: search ? { kind: search.kind, maxSustainableRate: sustainableRates.length ? Math.max(...sustainableRates) : null } : null,
    load: {
      requests,
      accepted: generator.accepted,
      outcomes: generator.outcomes,
      uuidMismatches: generator.mismatched,
      acceptedPerSecond: generator.accepted / Math.max(0.001, phaseResults.reduce((s, p) => s + p.seconds, 0)),
      arrivalSeconds,
    },
    drain: { seconds: outcome.drain.seconds, timedOut: outcome.drain.timedOut },
    analysis: { ...withoutHistograms(analysis), simulatorDuplicates: outcome.simulatorDuplicates },
    cdfs: Object.fromEntries(Object.entries(analysis.stageHistograms).map(([k, h]) => [k, thin(h.cdf(), 200)])),
    timelines: {
      load: generator.timeline.map((s) => ({ ...s })),
      backlog: outcome.backlog,
      carrierPerSecond,
      quotas: quotaSeries(analysis.quotas, quotas, submissions.filter((s) => s.status === undefined), spanFrom, spanTo),
      processes: Object.fromEntries(sampler.series),
    },
    processes: cpu.processes,
    cpuPerMessage: { platformMs: cpu.platformMs, postgresMs: cpu.postgresMs },
    verdict: { ok: failures.length === 0, failures },
  };
}

function phaseOutcomes(phaseResults: readonly PhaseRun[], analysis: Analysis): PhaseOutcome[] {
  return phaseResults.map((p, i) => ({
    index: p.index,
    name: p.name,
    targetRate: p.targetRate,
    seconds: p.seconds,
    scheduled: p.scheduled,
    accepted: p.accepted,
    acceptedMessages: p.acceptedMessages,
    acceptedPerSecond: p.acceptedPerSecond,
    http: p.http.summary(),
    outcomes: p.outcomes,
    backlogAtEnd: p.backlogAtEnd,
    acceptToSubmit: analysis.phaseAcceptToSubmit[i] ?? null,
    acceptToFinalCallback: analysis.phaseAcceptToFinalCallback[i] ?? null,
    sustainable: p.sustainable,
    why: p.why,
  }));
}

function machineInfo(loadAtStart: number[]): MachineInfo {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1_073_741_824) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadAverage(),
  };
}

function withoutHistograms<T extends { stageHistograms: unknown }>(analysis: T): Omit<T, 'stageHistograms'> {
  return Object.fromEntries(Object.entries(analysis).filter(([key]) => key !== 'stageHistograms')) as Omit<T, 'stageHistograms'>;
}

/** At most `max` points of a CDF, always keeping the last. */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const step = points.length / max;
  const kept = Array.from({ length: max }, (_, i) => points[Math.floor(i * step)]).filter((p): p is T => p !== undefined);
  return [...kept.slice(0, -1), ...points.slice(-1)];
}

/** Charts for the quotas most worth seeing: violated, then backlogged, then the busiest; at most eight. */
function quotaSeries(results: readonly QuotaResult[], quotas: readonly ExpectedQuota[], accepted: ReadonlyArray<{ source: string; carrier: string; receivedAt: number }>, from: number, to: number): QuotaSeries[] {
  const rank = (r: QuotaResult): number => (r.violation ? 3 : 0) + (r.backlogged ? 2 : 0);
  const chosen = results
    .filter((r) => r.windowMs > 0 && r.total > 0)
    .sort((a, b) => rank(b) - rank(a) || b.total / b.limit - a.total / a.limit)
    .slice(0, 8);
  const bySource = new Map<string, Array<{ carrier: string; receivedAt: number }>>();
  for (const s of accepted) bySource.set(s.source, [...(bySource.get(s.source) ?? []), s]);
  const quotaById = new Map(quotas.map((q) => [q.id, q]));
  return chosen.map((r) => {
    const quota = quotaById.get(r.id);
    const times = (quota?.sources ?? [])
      .flatMap((source) => bySource.get(source) ?? [])
      .filter((s) => !quota?.carrier || s.carrier === quota.carrier)
      .map((s) => s.receivedAt)
      .sort((a, b) => a - b);
    const step = Math.max(r.windowMs, Math.ceil((to - from) / 600 / 1_000) * 1_000);
    return { id: r.id, label: r.label, limit: r.limit, windowMs: r.windowMs, points: windowSeries(times, r.windowMs, from, to, r.windowMs >= 60_000 ? Math.max(5_000, step / 12) : step) };
  });
}
