// Starts the built Sluice apps as child processes (`node apps/<app>/dist/main.js`), as an operator
// would on one machine, and stops them. Lives in the app (not @sluice/testing) because the
// harness is a tool people run, and apps may not import the testing libraries.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The repository root, from src/platform or dist/platform alike. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../../..');

export const APP_NAMES = ['carrier-simulator', 'api-gateway', 'rate-governor', 'carrier-dispatch', 'callback-service'] as const;
export type AppName = (typeof APP_NAMES)[number];

export interface AppProcess {
  readonly app: AppName;
  /** `rate-governor-2` when several run. */
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly logPath: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export function startApp(app: AppName, name: string, port: number, env: Record<string, string>, logDir: string): AppProcess {
  const main = join(WORKSPACE_ROOT, 'apps', app, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} does not exist: build the apps first (npm run build)`);
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, `${name}.log`);
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(process.execPath, [main], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { app, name, port, child, exited, logPath };
}

export async function waitUntilReady(app: AppProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null) throw new Error(`${app.name} exited with code ${app.child.exitCode} before it was ready; see ${app.logPath}`);
    try {
      const response = await fetch(`http://127.0.0.1:${app.port}/health/ready`);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error: unknown) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${app.name} was not ready within ${timeoutMs} ms (${last}); see ${app.logPath}`);
}

/** SIGTERM, then SIGKILL if the graceful shutdown takes longer than `graceMs`. */
export async function stopApp(app: AppProcess, graceMs = 15_000): Promise<number | null> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return app.child.exitCode;
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), graceMs);
  try {
    return await app.exited;
  } finally {
    clearTimeout(timer);
  }
}

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
  readonly logLevel: string;
  readonly logDir: string;
}

export interface StartedPlatform {
  readonly gatewayUrl: string;
  readonly simulatorUrl: string;
  readonly apps: readonly AppProcess[];
  stop(): Promise<void>;
}

export async function startPlatform(settings: PlatformSettings): Promise<StartedPlatform> {
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
  const launch = async (app: AppName, name: string, env: Record<string, string>): Promise<AppProcess> => {
    const started = startApp(app, name, await freePort(), env, settings.logDir);
    apps.push(started);
    return started;
  };
  const stop = async (): Promise<void> => {
    await Promise.all(apps.map((app) => stopApp(app)));
  };
  try {
    const simulator = await launch('carrier-simulator', 'carrier-simulator', simulatorEnv);
    await waitUntilReady(simulator);
    const gateway = await launch('api-gateway', 'api-gateway', { ...common, ...extra('api-gateway') });
    for (let i = 1; i <= settings.governors; i += 1) {
      await launch('rate-governor', settings.governors > 1 ? `rate-governor-${i}` : 'rate-governor', { ...common, ...extra('rate-governor') });
    }
    for (let i = 1; i <= settings.dispatchers; i += 1) {
      await launch('carrier-dispatch', settings.dispatchers > 1 ? `carrier-dispatch-${i}` : 'carrier-dispatch', { ...common, ...smpp, ...extra('carrier-dispatch') });
    }
    await launch('callback-service', 'callback-service', { ...common, CALLBACK_ALLOWED_HOSTS: settings.callbackAllowedHosts, ...extra('callback-service') });
    await Promise.all(apps.map((app) => waitUntilReady(app)));
    return { gatewayUrl: `http://127.0.0.1:${gateway.port}`, simulatorUrl: `http://127.0.0.1:${simulator.port}`, apps, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
