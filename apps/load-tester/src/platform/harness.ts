// What every kind of run shares: the options naming the platform (or asking for it to be started),
// the run's id, the steps that undo what it started, and starting the platform itself.
import { createDataSource } from '@sluice/persistence';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { LOAD_TESTER_CLIENT_NAME, prepareInfrastructure } from './infrastructure';
import { PlatformSettings, startPlatform, StartedPlatform } from './launcher';

export interface HarnessOptions {
  /** Start the five apps as child processes (they must be built). */
  readonly startPlatform: boolean;
  readonly gatewayUrl?: string;
  readonly simulatorUrl?: string;
  readonly databaseUrl: string;
  readonly redisUrl?: string;
  readonly kafkaBrokers?: string;
  readonly receiverHost: string;
  readonly receiverPort: number;
  /** The receiver's URL as given to the platform; defaults to http://<receiverHost>:<port>/<the receiver's path>. */
  readonly receiverUrl?: string;
  readonly logDir: string;
  readonly appLogLevel: string;
  readonly extraEnv: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly log: (line: string) => void;
  /** Called once the run has begun, with a function that stops what it started (for Ctrl-C). */
  readonly onCleanup?: (cleanup: () => Promise<void>) => void;
}

export interface HarnessRun {
  readonly startedAt: Date;
  /** `20260102T030405-ab12`: the start time and a random suffix. */
  readonly runId: string;
  /** Adds a step to undo at the end; steps run in reverse order of adding. */
  undo(step: () => Promise<void>): void;
  /** Runs every step added so far (a failing step does not stop the others). */
  cleanup(): Promise<void>;
}

/** Begins a run and hands its cleanup to `options.onCleanup`. */
export function beginRun(options: Pick<HarnessOptions, 'onCleanup'>): HarnessRun {
  const startedAt = new Date();
  const steps: Array<() => Promise<void>> = [];
  const run: HarnessRun = {
    startedAt,
    runId: `${startedAt.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(2).toString('hex')}`,
    undo: (step) => {
      steps.push(step);
    },
    cleanup: async () => {
      for (const step of steps.splice(0).reverse()) await step().catch(() => undefined);
    },
  };
  options.onCleanup?.(run.cleanup);
  return run;
}

/** The settings a run chooses; the rest come from its options. */
export type RunPlatformSettings = Omit<PlatformSettings, 'databaseUrl' | 'redisUrl' | 'kafkaBrokers' | 'callbackAllowedHosts' | 'logLevel' | 'logDir'>;

/** Prepares the schema and topics and starts the platform, stopped when the run is cleaned up. */
export async function startRunPlatform(options: HarnessOptions, run: HarnessRun, settings: RunPlatformSettings): Promise<StartedPlatform> {
  if (!options.redisUrl || !options.kafkaBrokers) throw new Error('starting the platform needs REDIS_URL and KAFKA_BROKERS as well as DATABASE_URL');
  options.log('preparing the schema and topics');
  await prepareInfrastructure(options.databaseUrl, options.kafkaBrokers);
  options.log(`starting the platform (logs in ${options.logDir})`);
  // How to stop the apps is registered before the first one starts, so an interrupted start stops what it launched.
  const platform = await startPlatform({
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    kafkaBrokers: options.kafkaBrokers,
    callbackAllowedHosts: options.receiverHost,
    logLevel: options.appLogLevel,
    logDir: options.logDir,
    ...settings,
  }, (stop) => run.undo(stop));
  return platform;
}

/** The harness's own connection to the platform's database, closed when the run is cleaned up. */
export async function connectRunDatabase(options: Pick<HarnessOptions, 'databaseUrl'>, run: HarnessRun): Promise<DataSource> {
  const dataSource = await createDataSource({ url: options.databaseUrl, poolSize: 4, applicationName: LOAD_TESTER_CLIENT_NAME }).initialize();
  run.undo(() => dataSource.destroy());
  return dataSource;
}

/**
 * The Postgres backends serving the load tester's connections, read from `pg_stat_activity`
 * every `everyMs` until the run is cleaned up (the pool opens and closes connections as it
 * goes). The answer is the last reading; a backend opened since is counted from the next.
 */
export function watchHarnessBackends(dataSource: DataSource, run: HarnessRun, everyMs = 1_000): () => ReadonlySet<number> {
  let pids: ReadonlySet<number> = new Set();
  let reading = false;
  const read = (): void => {
    if (reading) return;
    reading = true;
    dataSource
      .query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [LOAD_TESTER_CLIENT_NAME])
      .then((rows: Array<{ pid: number }>) => (pids = new Set(rows.map((r) => Number(r.pid)))))
      // A missed reading keeps the last: the pool's connections rarely change.
      .catch(() => undefined)
      .finally(() => (reading = false));
  };
  read();
  const timer = setInterval(read, everyMs);
  timer.unref();
  run.undo(async () => clearInterval(timer));
  return () => pids;
}
