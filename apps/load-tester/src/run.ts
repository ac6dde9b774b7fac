// One load-test run, start to finish: platform, receiver, ceilings, accounts, load, drain, verdict.
import { beginRun, watchHarnessBackends } from './platform/harness';
import { HARNESS_POSTGRES, ProcessSampler } from './platform/process-stats';
import type { RunResult } from './report/result';
import { buildResult, loadAverage } from './run/build-result';
import { collectRecords, logDispatcherPacing, witnessQuotas } from './run/collect';
import { drain } from './run/drain';
import { prepareLoad, runPhases, scheduleCarrierOutage, startAlongside } from './run/load';
import type { RunOptions } from './run/options';
import { measureRunCeilings, prepareTarget, seedRun, warmUpTarget, watchedProcesses } from './run/prepare';
import { ProgressReporter } from './run/progress';
import { analyse } from './verify/analysis';
import { awaitingFinalCallback } from './verify/final-callbacks';

export type { Allowances, LoadContext, RunOptions, RunRecords } from './run/options';

export async function runLoadTest(options: RunOptions): Promise<RunResult> {
  const { scenario, log } = options;
  const loadAtStart = loadAverage();
  const run = beginRun(options);

  try {
    const target = await prepareTarget(options, run);
    // The load tester's own queries run in Postgres backends: the harness's CPU, not the platform's.
    let harnessBackends: () => ReadonlySet<number> = () => new Set();
    const sampler = new ProcessSampler(watchedProcesses(target.platform, options.watch), { from: 'postgres', name: HARNESS_POSTGRES, pids: () => harnessBackends() });
    const ceilings = await measureRunCeilings(options);
    const fixtures = await seedRun(options, run, target);
    harnessBackends = watchHarnessBackends(fixtures.dataSource, run);
    await warmUpTarget(target, fixtures.dataSource, run.runId, log);

    const load = prepareLoad(scenario, run, target, fixtures);
    sampler.start();
    const progress = new ProgressReporter({ generator: load.generator, receiver: target.receiver, probe: load.probe, runStart: load.runStart, mode: options.progress, log });
    progress.start();
    run.undo(async () => progress.stop());

    // Started with the phases; an error it meets is raised once the arrivals are over.
    const alongside = startAlongside(options.duringLoad, {
      platform: target.platform,
      simulator: target.simulator,
      runStart: load.runStart,
      follow: (name, pid) => sampler.follow(name, pid),
      setActivity: (label) => progress.setActivity(label),
    });
    // Its error, like the task's alongside, is raised once the arrivals are over.
    const outage = scheduleCarrierOutage(scenario, target.simulator, load.runStart, progress, log).then(
      (until) => ({ until, error: null }),
      (error: unknown) => ({ until: null, error }),
    );
    const phaseResults = await runPhases(options, load.generator, progress, () => awaitingFinalCallback(load.generator.messages, target.receiver.callbacks));
    const arrivalEnd = Date.now();
    const alongsideOutcome = await alongside;
    if (alongsideOutcome) throw alongsideOutcome.error;
    const outageOutcome = await outage;
    if (outageOutcome.error !== null) throw outageOutcome.error;
    const carrierDownUntil = outageOutcome.until;

    const drained = await drain(scenario.drain, load, target.receiver, progress);
    progress.close();
    sampler.stop();
    log(drained.timedOut ? `drain timed out after ${drained.seconds.toFixed(0)} s` : `drained in ${drained.seconds.toFixed(1)} s; collecting the records`);

    await logDispatcherPacing(target, log);
    const { records, simulatorDuplicates } = await collectRecords(target, load, fixtures.quotas);
    options.onRaw?.(records);
    const analysis = analyse({ ...records, http: load.generator.http, phases: phaseResults.length, ...(carrierDownUntil !== null ? { carrierDownUntil } : {}) });
    await witnessQuotas(analysis.quotas, fixtures.quotas, target, load.runStart, log);

    return buildResult({ options, run, loadAtStart, target, fixtures, ceilings, load, phaseResults, arrivalEnd, drain: drained, records, analysis, simulatorDuplicates, backlog: progress.backlog, sampler });
  } finally {
    await run.cleanup();
  }
}
