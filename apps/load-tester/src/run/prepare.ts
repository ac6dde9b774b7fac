// Before the load: the callback receiver, the platform (started or named), the simulator, the
// processes to sample, the ceilings, the accounts with their expected quotas, and the warm-up.
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Ceiling, measureCeilings } from '../ceilings/ceilings';
import { seedAccounts, SeededAccount } from '../fixtures/seeder';
import { connectRunDatabase, HarnessRun, startRunPlatform } from '../platform/harness';
import type { StartedPlatform } from '../platform/launcher';
import type { WatchedProcess } from '../platform/process-stats';
import { SimulatorClient } from '../platform/simulator-client';
import { warmUp } from '../platform/warm-up';
import { ExpectedQuota, expectedQuotas } from '../quotas/expected-quotas';
import { CallbackReceiver } from '../receiver/callback-receiver';
import { CARRIER_KEYS } from '../scenario/scenario';
import { fmt, sleep } from './common';
import type { RunOptions } from './options';

/** What the load is sent to and checked against. */
export interface RunTarget {
  readonly receiver: CallbackReceiver;
  readonly callbackUrl: string;
  /** Null when the harness did not start the platform. */
  readonly platform: StartedPlatform | null;
  /** ACCOUNT_TOKEN_KEY of a platform the harness starts; the seeded accounts' tokens are sealed with it. */
  readonly tokenKey: Buffer;
  readonly gatewayUrl: string;
  readonly simulatorUrl: string;
  readonly simulator: SimulatorClient;
  /** Whether the simulator's record begins with this run (it was started or reset for it). */
  readonly simulatorReset: boolean;
}

/** The run's accounts in the database and the quotas they are expected to keep. */
export interface RunFixtures {
  readonly dataSource: DataSource;
  readonly accounts: readonly SeededAccount[];
  readonly quotas: readonly ExpectedQuota[];
}

/** Starts the receiver and, when asked, the platform; connects to the simulator. Each is undone at the run's end. */
export async function prepareTarget(options: RunOptions, run: HarnessRun): Promise<RunTarget> {
  const tokenKey = randomBytes(32);
  const { receiver, callbackUrl } = await startReceiver(options, run);
  const platform = options.startPlatform ? await startScenarioPlatform(options, run, tokenKey) : null;
  const gatewayUrl = platform?.gatewayUrl ?? options.gatewayUrl;
  const simulatorUrl = platform?.simulatorUrl ?? options.simulatorUrl;
  if (!gatewayUrl || !simulatorUrl) throw new Error('give the gateway and simulator URLs, or let the harness start the platform');
  const simulatorReset = platform !== null || options.resetSimulator;
  const simulator = await connectSimulator(options, run, simulatorUrl, platform !== null);
  return { receiver, callbackUrl, platform, tokenKey, gatewayUrl, simulatorUrl, simulator, simulatorReset };
}

async function startReceiver(options: RunOptions, run: HarnessRun): Promise<{ receiver: CallbackReceiver; callbackUrl: string }> {
  const receiver = new CallbackReceiver();
  const receiverPort = await receiver.listen(options.receiverHost, options.receiverPort);
  run.undo(() => receiver.close());
  return { receiver, callbackUrl: options.receiverUrl ?? `http://${options.receiverHost}:${receiverPort}/status` };
}

/** The platform as the scenario sets it up, `options.extraEnv` over the scenario's environment. */
function startScenarioPlatform(options: RunOptions, run: HarnessRun, tokenKey: Buffer): Promise<StartedPlatform> {
  const settings = options.scenario.platform;
  const env: Record<string, Record<string, string>> = {};
  for (const source of [settings.env, options.extraEnv]) {
    for (const [app, vars] of Object.entries(source)) env[app] = { ...(env[app] ?? {}), ...vars };
  }
  return startRunPlatform(options, run, {
    governors: settings.governors,
    dispatchers: settings.dispatchers,
    env,
    simulatorProfiles: settings.simulatorProfiles,
    accountTokenKey: tokenKey.toString('base64'),
  });
}

/** Resets the simulator when asked; a simulator already running gets the scenario's profiles until the run's end. */
async function connectSimulator(options: RunOptions, run: HarnessRun, simulatorUrl: string, platformStarted: boolean): Promise<SimulatorClient> {
  const simulator = new SimulatorClient(simulatorUrl);
  if (options.resetSimulator) await simulator.reset();
  const profiles = options.scenario.platform.simulatorProfiles;
  if (!platformStarted && profiles) {
    await simulator.applyProfiles(profiles);
    run.undo(() => simulator.restoreProfiles());
  }
  return simulator;
}

/** The platform's apps, the processes asked for, and the load tester itself. */
export function watchedProcesses(platform: StartedPlatform | null, watch: readonly WatchedProcess[]): WatchedProcess[] {
  return [
    ...(platform?.apps ?? []).flatMap((a) => (a.process.pid === undefined ? [] : [{ name: a.name, pid: a.process.pid, tree: false }])),
    ...watch,
    { name: 'load-tester', pid: process.pid, tree: false },
  ];
}

/** The infrastructure's own ceilings, when the options or the scenario ask for them; none otherwise. */
export async function measureRunCeilings(options: RunOptions): Promise<Ceiling[]> {
  const { scenario, log } = options;
  if (!(options.ceilings ?? scenario.ceilings.enabled)) return [];
  const ceilings = await measureCeilings({
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    kafkaBrokers: options.kafkaBrokers,
    seconds: scenario.ceilings.seconds,
    log,
  });
  for (const c of ceilings) log(`ceiling: ${c.name}: ${fmt(c.rate)} ${c.unit}`);
  return ceilings;
}

/** Creates the scenario's accounts with their numbers and brands, and works out the quotas each should keep. */
export async function seedRun(options: RunOptions, run: HarnessRun, target: RunTarget): Promise<RunFixtures> {
  const { scenario, log } = options;
  const dataSource = await connectRunDatabase(options, run);
  log(`creating ${scenario.groups.reduce((n, g) => n + g.accounts, 0).toLocaleString('en-US')} accounts with their numbers and brands`);
  const accounts: SeededAccount[] = await seedAccounts(dataSource, scenario.groups, {
    runId: run.runId,
    tokenKey: target.platform ? target.tokenKey : undefined,
    onProgress: (done, total) => log(`  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} accounts`),
  });
  const quotas: ExpectedQuota[] = accounts.flatMap((account) => {
    const carriers = scenario.groups[account.groupIndex]?.carriers ?? {};
    return expectedQuotas(account, CARRIER_KEYS.filter((c) => (carriers[c] ?? 0) > 0));
  });
  return { dataSource, accounts, quotas };
}

/** One message to each carrier, all the way to its callback; the receiver then forgets the warm-up's callbacks. */
export async function warmUpTarget(target: RunTarget, dataSource: DataSource, runId: string, log: (line: string) => void): Promise<void> {
  const { gatewayUrl, callbackUrl, receiver } = target;
  log('warming up: one message to each carrier, all the way to its callback');
  const warm = await warmUp({ dataSource, gatewayUrl, callbackUrl, receiver, runId, timeoutMs: 90_000 });
  log(warm.ok ? `warm in ${warm.seconds.toFixed(1)} s` : `the warm-up messages were not all delivered within ${warm.seconds.toFixed(0)} s; measuring anyway`);
  receiver.callbacks.length = 0;
  await sleep(1_000);
}
