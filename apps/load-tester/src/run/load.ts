// The load: the generator and the probe that watches its messages, the task run alongside it,
// and the arrival phases in turn (each judged as a step when the scenario is a step search).
import type { HarnessRun } from '../platform/harness';
import type { SimulatorClient } from '../platform/simulator-client';
import { LoadGenerator, PhaseResult } from '../load/open-model';
import type { PhaseSpec, Scenario } from '../scenario/scenario';
import { TrafficPlan } from '../scenario/traffic-plan';
import { PlatformProbe } from '../verify/platform-probe';
import { fmt, sleep } from './common';
import type { LoadContext, RunOptions } from './options';
import type { RunFixtures, RunTarget } from './prepare';
import type { ProgressReporter } from './progress';

export interface PreparedLoad {
  /** Epoch ms the load began. */
  readonly runStart: number;
  readonly probe: PlatformProbe;
  readonly generator: LoadGenerator;
}

/** A phase's result with, in a step search, the backlog at its end and whether the step was sustainable and why not. */
export type PhaseRun = PhaseResult & { backlogAtEnd: number | null; sustainable: boolean | null; why: string | null };

type StepSearch = NonNullable<Scenario['search']>;

/** The generator of the scenario's traffic (closed at the run's end) and a probe of the messages from now on. */
export function prepareLoad(scenario: Scenario, run: HarnessRun, target: RunTarget, fixtures: RunFixtures): PreparedLoad {
  const runStart = Date.now();
  const probe = new PlatformProbe(fixtures.dataSource, fixtures.accounts.map((a) => a.authId), new Date(runStart - 1_000));
  const generator = new LoadGenerator(target.gatewayUrl, new TrafficPlan(scenario, fixtures.accounts, target.callbackUrl), scenario.http);
  run.undo(() => generator.close());
  return { runStart, probe, generator };
}

/** Starts `duringLoad` with the phases; an error it meets is answered, to be raised once the arrivals are over. */
export function startAlongside(duringLoad: RunOptions['duringLoad'], context: LoadContext): Promise<{ error: unknown } | null> {
  if (!duringLoad) return Promise.resolve(null);
  return duringLoad(context).then(
    () => null,
    (error: unknown) => ({ error }),
  );
}

/**
 * The scenario's carrier outage, started `atSeconds` after the load began; resolves to the
 * epoch ms the carrier came back (null when the scenario has none). The load's phases are
 * not held up by it.
 */
export async function scheduleCarrierOutage(
  scenario: Scenario,
  simulator: SimulatorClient,
  runStart: number,
  progress: ProgressReporter,
  log: (line: string) => void,
): Promise<number | null> {
  const outage = scenario.carrierOutage;
  if (!outage) return null;
  await sleep(Math.max(0, runStart + outage.atSeconds * 1_000 - Date.now()));
  const { until, dropped } = await simulator.startOutage(outage.seconds);
  log(`carrier outage: every bind refused for ${fmt(outage.seconds)} s (${fmt(dropped)} sessions dropped)`);
  progress.setActivity('carrier outage');
  await sleep(Math.max(0, until - Date.now()));
  progress.setActivity(null);
  log('carrier outage over');
  return until;
}

/** Runs the scenario's phases in turn; a step search stops at the first step not sustainable when told to. */
export async function runPhases(
  options: Pick<RunOptions, 'scenario' | 'log'>,
  generator: LoadGenerator,
  progress: ProgressReporter,
  awaitingFinalCallback: () => number,
): Promise<PhaseRun[]> {
  const { scenario, log } = options;
  const search = scenario.search;
  const phaseResults: PhaseRun[] = [];
  for (const [index, phase] of scenario.phases.entries()) {
    progress.setStage(`phase ${index + 1}/${scenario.phases.length} at ${fmt(phase.rate)}/s`);
    const result = await generator.runPhase(phase, index);
    const step = search ? await judgeStep(search, phase, result, progress, awaitingFinalCallback, log) : { backlogAtEnd: null, sustainable: null, why: null };
    phaseResults.push({ ...result, ...step });
    if (search && !step.sustainable && search.stopAtFirstFailure) break;
  }
  return phaseResults;
}

/** Whether the platform kept up with one step, judged once the backlog had its pause to settle. */
async function judgeStep(
  search: StepSearch,
  phase: PhaseSpec,
  result: PhaseResult,
  progress: ProgressReporter,
  awaitingFinalCallback: () => number,
  log: (line: string) => void,
): Promise<{ backlogAtEnd: number; sustainable: boolean; why: string | null }> {
  await sleep(search.pauseSeconds * 1_000);
  const { queued } = await progress.probeBacklog();
  // End to end, a message is behind until its final status has been called back, not only while queued.
  const awaiting = search.kind === 'end-to-end' ? awaitingFinalCallback() : 0;
  const backlogAtEnd = Math.max(queued, awaiting);
  const problems: string[] = [];
  if (result.accepted < search.minAcceptedRatio * result.scheduled) problems.push(`${fmt(result.scheduled - result.accepted)} of ${fmt(result.scheduled)} not accepted`);
  if (result.acceptedPerSecond < search.minAcceptedRatio * phase.rate) problems.push(`${fmt(result.acceptedPerSecond)}/s accepted`);
  if (result.http.percentile(99) > search.maxP99Ms) problems.push(`p99 ${fmt(result.http.percentile(99))} ms`);
  const allowed = (result.acceptedMessages / result.seconds) * search.maxBacklogSeconds;
  if (search.kind === 'end-to-end' && backlogAtEnd > allowed) problems.push(`backlog ${fmt(backlogAtEnd)} > ${fmt(allowed)}`);
  const sustainable = problems.length === 0;
  const why = problems.join('; ') || null;
  log(`step ${fmt(phase.rate)}/s: accepted ${fmt(result.acceptedPerSecond)}/s, p99 ${fmt(result.http.percentile(99))} ms, backlog ${fmt(backlogAtEnd)} (queued ${fmt(queued)}, final callback awaited ${fmt(awaiting)}) → ${sustainable ? 'sustainable' : `not sustainable (${why})`}`);
  return { backlogAtEnd, sustainable, why };
}
