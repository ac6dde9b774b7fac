// One fault-injection run: the suite's own infrastructure, the platform started on it, sustained
// traffic with the scenario's faults injected on schedule, the drain, then the load test's checks
// plus recovery, final states and dead letters.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../report/result';
import { RunRecords, runLoadTest } from '../run';
import { ChaosInfrastructure, InfraPorts, lockDataDir, pickInfraPorts } from './chaos-infra';
import { CHAOS_PLATFORM_ENV, ChaosScenario, chaosTraffic, describeFault, faultName, faultSchedule, FLOW_GROUP, KILLABLE_APPS } from './chaos-scenarios';
import { injectFault, InjectedFault } from './fault-injector';
import { ProcessSupervisor, SupervisorRestart } from './process-supervisor';
import { ReadinessMonitor } from './readiness-monitor';
import { FINAL_STATES } from '../verify/platform-probe';
import { allowancesFor, chaosFailures, faultAt, FaultOutcome, FaultRecord, multipleFinalStates, ReadinessChange, recoveries } from './recovery';

export interface ChaosOptions {
  readonly scenario: ChaosScenario;
  readonly dataDir: string;
  /** Null: four free ports are picked, and picked again if the infrastructure fails to start on them. */
  readonly ports: InfraPorts | null;
  /** Leave the infrastructure running afterwards, with its data (a later run starts faster). */
  readonly keepInfra: boolean;
  /** Delete the data directory once the infrastructure is stopped (only the default one is). */
  readonly deleteData: boolean;
  /** The apps' and the infrastructure script's logs. */
  readonly logDir: string;
  readonly appLogLevel: string;
  readonly extraEnv: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly progress: 'tty' | 'lines' | 'off';
  readonly log: (line: string) => void;
  readonly onCleanup?: (cleanup: () => Promise<void>) => void;
}

export interface ChaosSection {
  readonly scenario: ChaosScenario;
  readonly infrastructure: { readonly dataDir: string; readonly ports: InfraPorts };
  readonly schedule: readonly number[];
  readonly faults: readonly FaultOutcome[];
  readonly readiness: readonly ReadinessChange[];
  /** Apps that exited by themselves during the run and were started again, as a supervisor would. */
  readonly supervisorRestarts: readonly SupervisorRestart[];
  readonly allowances: ReturnType<typeof allowancesFor>;
  readonly multipleFinalStates: ReturnType<typeof multipleFinalStates>;
  /** Messages not final after the drain, and quota violations, from before the first fault. */
  readonly beforeFaults: { readonly stuck: number; readonly quotaViolations: number };
  /** The load test's own verdict, before the fault-injection checks were added. */
  readonly loadVerdict: RunResult['verdict'];
}

export type ChaosResult = RunResult & { readonly chaos: ChaosSection };

const sleepUntil = (t: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));

function envValue(env: ChaosOptions['extraEnv'], app: string, key: string): number {
  const chosen = env[app]?.[key] ?? (CHAOS_PLATFORM_ENV as Record<string, Record<string, string>>)[app]?.[key];
  const value = Number(chosen);
  if (!Number.isFinite(value)) throw new Error(`${app}:${key} must be a number (got ${String(chosen)})`);
  return value;
}

/** Attempts at starting the suite's own infrastructure on picked ports, each on new ports and new data. */
const INFRA_START_ATTEMPTS = 3;

/**
 * Starts the suite's infrastructure. On ports it picked itself, a start that fails (a port taken
 * between the pick and the bind, a broker slow to elect itself on a busy machine) is shown with the
 * tail of the script's log, stopped (its data deleted when the suite owns it), and tried again on other ports.
 */
async function startInfrastructure(options: ChaosOptions, logFile: string): Promise<ChaosInfrastructure> {
  const attempts = options.ports ? 1 : INFRA_START_ATTEMPTS;
  for (let attempt = 1; ; attempt += 1) {
    const infra = new ChaosInfrastructure(options.dataDir, options.ports ?? (await pickInfraPorts()), logFile);
    options.log(`starting the suite's own Postgres, Redis and Kafka in ${options.dataDir} (ports ${Object.values(infra.ports).join(', ')})`);
    try {
      await infra.up();
      return infra;
    } catch (error: unknown) {
      options.log(`${error instanceof Error ? error.message : String(error)}\n${logTail(logFile, 30)}`);
      if (attempt >= attempts) throw error;
      await (options.deleteData ? infra.destroy() : infra.down()).catch(() => undefined);
      options.log(`starting again on other ports (attempt ${attempt + 1} of ${attempts})`);
    }
  }
}

function logTail(file: string, lines: number): string {
  if (!existsSync(file)) return `(no ${file})`;
  return `--- last lines of ${file} ---\n${readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}`;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { scenario, log } = options;
  const schedule = faultSchedule(scenario);
  const allowances = allowancesFor(scenario.faults, {
    dispatcherInFlight: envValue(options.extraEnv, 'carrier-dispatch', 'SMPP_WINDOW') * envValue(options.extraEnv, 'carrier-dispatch', 'SMPP_BINDS'),
    callbacksInFlight: envValue(options.extraEnv, 'callback-service', 'CALLBACK_CONCURRENCY'),
  });

  const unlock = lockDataDir(options.dataDir);
  const infra = await startInfrastructure(options, join(options.logDir, 'infra.log')).catch((error: unknown) => {
    unlock();
    throw error;
  });
  const stopInfra = async (): Promise<void> => {
    if (options.keepInfra) return unlock();
    log(`stopping the suite's infrastructure${options.deleteData ? ' and deleting its data' : ''}`);
    await (options.deleteData ? infra.destroy() : infra.down()).catch((error: unknown) =>
      log(`could not stop the infrastructure: ${error instanceof Error ? error.message : String(error)}`),
    );
    unlock();
  };
  try {
    const injected: InjectedFault[] = [];
    // Filled in by the callbacks below, while runLoadTest runs.
    const seen: { monitor: ReadinessMonitor | null; supervisor: ProcessSupervisor | null; records: RunRecords | null } = { monitor: null, supervisor: null, records: null };
    const result = await runLoadTest({
      scenario: chaosTraffic(scenario),
      startPlatform: true,
      databaseUrl: infra.databaseUrl,
      redisUrl: infra.redisUrl,
      kafkaBrokers: infra.kafkaBrokers,
      resetSimulator: false,
      receiverHost: '127.0.0.1',
      receiverPort: 0,
      watch: infra.processes(),
      ceilings: false,
      logDir: options.logDir,
      appLogLevel: options.appLogLevel,
      extraEnv: options.extraEnv,
      log,
      progress: options.progress,
      onCleanup: (cleanup) => options.onCleanup?.(async () => {
        await cleanup();
        await stopInfra();
      }),
      allowances: () => allowances,
      duringLoad: async (context) => {
        const platform = context.platform;
        if (!platform) throw new Error('fault injection needs the platform the harness started');
        const readiness = new ReadinessMonitor(() => platform.apps);
        seen.monitor = readiness;
        readiness.start();
        const supervisor = new ProcessSupervisor(platform, new Set(KILLABLE_APPS), context.follow, log);
        seen.supervisor = supervisor;
        supervisor.start();
        for (const [index, fault] of scenario.faults.entries()) {
          const name = faultName(fault);
          context.setActivity(`next: ${name}`);
          await sleepUntil(context.runStart + (schedule.at[index] ?? 0) * 1_000);
          context.setActivity(name);
          log(`[${((Date.now() - context.runStart) / 1_000).toFixed(0)}s] ${name}`);
          const startedAt = Date.now();
          // A fault that cannot be injected (Kafka still down for the poison record, say) is
          // recorded with its problem, and the schedule goes on.
          const done = await injectFault(fault, {
            platform,
            infra,
            simulator: context.simulator,
            follow: context.follow,
            log,
            supervisor,
          }).catch(
            (error: unknown): InjectedFault => ({
              record: {
                name,
                spec: fault,
                description: describeFault(fault),
                injectedAt: startedAt,
                restoredAt: null,
                problem: `could not be injected: ${error instanceof Error ? error.message : String(error)}`,
              },
            }),
          );
          injected.push(done);
          if (done.record.problem) log(`  ${name}: ${done.record.problem}`);
          context.setActivity(`after ${name}`);
        }
        context.setActivity(null);
      },
      onRaw: (records) => {
        // The drain is over and the platform still runs: readiness from here on is its shutdown.
        seen.supervisor?.stop();
        void seen.monitor?.stop();
        seen.records = records;
      },
    });
    for (const fault of injected) await fault.afterDrain?.().catch((error: unknown) => log(`could not read the dead-letter topic: ${error instanceof Error ? error.message : String(error)}`));
    const records = seen.records;
    if (!records) throw new Error('the load test returned without its records');
    const readiness = seen.monitor?.changes ?? [];
    const finalRows = new Set(records.rows.filter((r) => FINAL_STATES.has(r.state)).map((r) => r.uuid));
    const stuckAcceptedAt = records.sent.filter((m) => !finalRows.has(m.uuid)).map((m) => m.acceptedAt);
    const violationsAt = result.analysis.quotas.filter((q) => q.violation).map((q) => q.maxAt);
    const faultRecords: FaultRecord[] = injected.map((f) => f.record);
    const before = (times: readonly number[]): number => times.filter((t) => faultAt(faultRecords, t) < 0).length;
    const faults = recoveries({
      faults: faultRecords,
      stuckAcceptedAt,
      violationsAt,
      supervisorRestartsAt: (seen.supervisor?.restarts ?? []).map((r) => r.t),
      readiness,
      sent: records.sent,
      submissions: records.submissions,
      callbacks: records.callbacks,
      flowGroup: FLOW_GROUP,
      recoverWithinMs: scenario.recoverWithinSeconds * 1_000,
    });
    const finals = multipleFinalStates(records.events);
    const failures = [...result.verdict.failures, ...chaosFailures(faults, finals, scenario.recoverWithinSeconds * 1_000)];
    return {
      ...result,
      chaos: {
        scenario,
        infrastructure: { dataDir: options.dataDir, ports: infra.ports },
        schedule: schedule.at,
        faults,
        readiness,
        supervisorRestarts: seen.supervisor?.restarts ?? [],
        allowances,
        multipleFinalStates: finals,
        beforeFaults: { stuck: before(stuckAcceptedAt), quotaViolations: before(violationsAt) },
        loadVerdict: result.verdict,
      },
      verdict: { ok: failures.length === 0, failures },
    };
  } finally {
    await stopInfra();
  }
}
