// Starts the built Sluice apps as child processes, as an operator would on one machine, and stops them.
import { AppProcess, freePort, startAppProcess, stopApp, waitUntilReady } from '@sluice/processes';

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
    const started = startAppProcess({ app, name, port: await freePort(), env, logDir: settings.logDir });
    apps.push(started);
    return started;
  };
  const stop = async (): Promise<void> => {
    await Promise.all(apps.map((app) => stopApp(app)));
  };
  try {
    const simulator = await launch('carrier-simulator', 'carrier-simulator', simulatorEnv);
    await waitUntilReady(simulator, 90_000);
    const gateway = await launch('api-gateway', 'api-gateway', { ...common, ...extra('api-gateway') });
    for (let i = 1; i <= settings.governors; i += 1) {
      await launch('rate-governor', settings.governors > 1 ? `rate-governor-${i}` : 'rate-governor', { ...common, ...extra('rate-governor') });
    }
    for (let i = 1; i <= settings.dispatchers; i += 1) {
      await launch('carrier-dispatch', settings.dispatchers > 1 ? `carrier-dispatch-${i}` : 'carrier-dispatch', { ...common, ...smpp, ...extra('carrier-dispatch') });
    }
    await launch('callback-service', 'callback-service', { ...common, CALLBACK_ALLOWED_HOSTS: settings.callbackAllowedHosts, ...extra('callback-service') });
    await Promise.all(apps.map((app) => waitUntilReady(app, 90_000)));
    return { gatewayUrl: `http://127.0.0.1:${gateway.port}`, simulatorUrl: `http://127.0.0.1:${simulator.port}`, apps, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
