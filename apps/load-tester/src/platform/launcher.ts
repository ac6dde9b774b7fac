// Starts the built Sluice apps as child processes, as an operator would on one machine, and stops them.
import { AppProcess, freePort, startAppProcess, stopApp, waitUntilReady } from '@sluice/processes';
import { randomBytes } from 'node:crypto';

export { WORKSPACE_ROOT } from '@sluice/processes';
export type { AppProcess } from '@sluice/processes';

export const APP_NAMES = ['carrier-simulator', 'api-gateway', 'rate-governor', 'carrier-dispatch', 'callback-service'] as const;
export type AppName = (typeof APP_NAMES)[number];

export interface PlatformSettings {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly kafkaBrokers: string;
  readonly governors: number;
  readonly dispatchers: number;
  /** Extra variables per app (from the scenario and the command line). */
  readonly env: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** CARRIER_PROFILES document for the simulator. */
  readonly simulatorProfiles?: unknown;
  /** ACCOUNT_TOKEN_KEY (base64), so callbacks are signed. */
  readonly accountTokenKey: string;
  /** Where callbacks may go although private (the harness's receiver). */
  readonly callbackAllowedHosts: string;
  /** The gateway's ADMIN_TOKEN; callback-service then sends Message XML replies through the gateway's admin API with it. */
  readonly adminToken?: string;
  readonly logLevel: string;
  readonly logDir: string;
}

/** One replica of each app, no extra variables, callbacks signed with a fresh key and allowed to loopback, warnings and worse logged. */
export function singleReplicaSettings(infrastructure: Pick<PlatformSettings, 'databaseUrl' | 'redisUrl' | 'kafkaBrokers'>, logDir: string): PlatformSettings {
  return {
    ...infrastructure,
    governors: 1,
    dispatchers: 1,
    env: {},
    accountTokenKey: randomBytes(32).toString('base64'),
    callbackAllowedHosts: '127.0.0.1',
    logLevel: 'warn',
    logDir,
  };
}

export interface StartedPlatform {
  readonly gatewayUrl: string;
  readonly simulatorUrl: string;
  /** The processes running now: a restarted app takes the place of the one it replaces. */
  readonly apps: readonly AppProcess[];
  /** SIGKILL, as a crash would; resolves once the process has gone. */
  kill(name: string): Promise<void>;
  /** Starts an app that was killed again, on the same port with the same environment. */
  restart(name: string): AppProcess;
  stop(): Promise<void>;
}

/**
 * Starts the five apps and waits until each is ready. `onLaunching` gets the function that
 * stops every app launched so far before the first one starts: a run interrupted while the
 * apps are still starting (Ctrl-C, SIGTERM) stops them too, instead of leaving them running.
 */
export async function startPlatform(settings: PlatformSettings, onLaunching?: (stop: () => Promise<void>) => void): Promise<StartedPlatform> {
  const common = {
    DATABASE_URL: settings.databaseUrl,
    REDIS_URL: settings.redisUrl,
    KAFKA_BROKERS: settings.kafkaBrokers,
    LOG_LEVEL: settings.logLevel,
    ACCOUNT_TOKEN_KEY: settings.accountTokenKey,
  };
  const extra = (app: AppName): Record<string, string> => ({ ...(settings.env[app] ?? {}) });
  const smppPort = await freePort();
  const smpp = { SMPP_PORT: String(smppPort), SMPP_SYSTEM_ID: 'sluice', SMPP_PASSWORD: 'sluice' };
  const simulatorEnv: Record<string, string> = { ...smpp, LOG_LEVEL: settings.logLevel, ...extra('carrier-simulator') };
  if (settings.simulatorProfiles !== undefined) simulatorEnv['CARRIER_PROFILES'] = JSON.stringify(settings.simulatorProfiles);

  const apps: AppProcess[] = [];
  const envOf = new Map<string, Record<string, string>>();
  let stopping = false;
  const launch = async (app: AppName, name: string, env: Record<string, string>): Promise<AppProcess> => {
    const port = await freePort();
    if (stopping) throw new Error(`${name} was not started: the platform is being stopped`);
    const started = startAppProcess({ app, name, port, env, logDir: settings.logDir });
    envOf.set(name, env);
    apps.push(started);
    return started;
  };
  const stop = async (): Promise<void> => {
    stopping = true;
    await Promise.all(apps.map((app) => stopApp(app)));
  };
  const find = (name: string): { index: number; app: AppProcess; env: Record<string, string> } => {
    const index = apps.findIndex((a) => a.name === name);
    const app = apps[index];
    const env = envOf.get(name);
    if (!app || !env) throw new Error(`no app named ${name} (running: ${apps.map((a) => a.name).join(', ')})`);
    return { index, app, env };
  };
  const kill = async (name: string): Promise<void> => {
    const { app } = find(name);
    if (app.process.exitCode !== null || app.process.signalCode !== null) return;
    app.process.kill('SIGKILL');
    await app.exited;
  };
  const restart = (name: string): AppProcess => {
    const { index, app: old, env } = find(name);
    if (old.process.exitCode === null && old.process.signalCode === null) throw new Error(`${name} is still running (pid ${old.process.pid})`);
    const started = startAppProcess({ app: old.app, name, port: old.port, env, logDir: settings.logDir });
    apps[index] = started;
    return started;
  };
  onLaunching?.(stop);
  try {
    const simulator = await launch('carrier-simulator', 'carrier-simulator', simulatorEnv);
    await waitUntilReady(simulator, 90_000);
    const admin: Record<string, string> = settings.adminToken ? { ADMIN_TOKEN: settings.adminToken } : {};
    const gateway = await launch('api-gateway', 'api-gateway', { ...common, ...admin, ...extra('api-gateway') });
    const replies: Record<string, string> = settings.adminToken ? { GATEWAY_ADMIN_URL: `http://127.0.0.1:${gateway.port}`, GATEWAY_ADMIN_TOKEN: settings.adminToken } : {};
    for (let i = 1; i <= settings.governors; i += 1) {
      await launch('rate-governor', settings.governors > 1 ? `rate-governor-${i}` : 'rate-governor', { ...common, ...extra('rate-governor') });
    }
    const dispatchEnv = { ...common, ...smpp, ...extra('carrier-dispatch') };
    for (let i = 1; i <= settings.dispatchers; i += 1) {
      await launch('carrier-dispatch', settings.dispatchers > 1 ? `carrier-dispatch-${i}` : 'carrier-dispatch', dispatchEnv);
    }
    await launch('callback-service', 'callback-service', { ...common, CALLBACK_ALLOWED_HOSTS: settings.callbackAllowedHosts, ...replies, ...extra('callback-service') });
    await Promise.all(apps.map((app) => waitUntilReady(app, 90_000)));
    return { gatewayUrl: `http://127.0.0.1:${gateway.port}`, simulatorUrl: `http://127.0.0.1:${simulator.port}`, apps, kill, restart, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
