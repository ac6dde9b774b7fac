// Runs the whole platform (the five apps as processes, some as several replicas) against the test infrastructure.
import { freePort, RunningApp, startApp, stopApp, testInfrastructure, waitUntilReady } from '@sluice/testing';
import { randomBytes } from 'node:crypto';

/** Seals the auth tokens of accounts a test creates (`createTestAccount(ds, { tokenKey })`), so callbacks are signed with them. */
export const E2E_ACCOUNT_TOKEN_KEY = randomBytes(32);
/** The gateway's admin token; callback-service sends Message XML replies through the admin API with it. */
export const E2E_ADMIN_TOKEN = randomBytes(24).toString('hex');

export type ServiceName = 'api-gateway' | 'rate-governor' | 'carrier-dispatch' | 'callback-service';

export interface Platform {
  readonly gatewayUrl: string;
  readonly gatewayUrls: readonly string[];
  readonly simulatorUrl: string;
  readonly apps: RunningApp[];
  readonly env: Record<string, string>;
  /** What carrier-dispatch was started with, to start another. */
  readonly dispatchEnv: Record<string, string>;
  /** Starts one more replica of a service with the settings the others have. */
  startReplica(service: ServiceName): Promise<RunningApp>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** Replicas per service (1 each by default). */
  readonly replicas?: Partial<Record<ServiceName, number>>;
  /** rate-governor processes in one consumer group (same as replicas['rate-governor']). */
  readonly governors?: number;
  /** Extra settings for carrier-dispatch. */
  readonly dispatchEnv?: Record<string, string>;
  /** Extra settings for rate-governor. */
  readonly governorEnv?: Record<string, string>;
  /** Extra settings for callback-service. */
  readonly callbackEnv?: Record<string, string>;
  /** Settings every app gets instead of the shared test infrastructure's (a database or Redis index of the test's own). */
  readonly commonEnv?: Record<string, string>;
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const infra = testInfrastructure();
  const common = {
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    ...options.commonEnv,
  };
  const smppPort = await freePort();
  const smpp = { SMPP_PORT: String(smppPort), SMPP_SYSTEM_ID: 'sluice', SMPP_PASSWORD: 'sluice' };
  const gatewayPort = await freePort();
  const envOf: Record<ServiceName, Record<string, string>> = {
    'api-gateway': { ...common, ADMIN_TOKEN: E2E_ADMIN_TOKEN, ACCOUNT_TOKEN_KEY: E2E_ACCOUNT_TOKEN_KEY.toString('base64') },
    'rate-governor': { ...common, KAFKA_GROUP_ID: 'e2e-rate-governor', ...options.governorEnv },
    'carrier-dispatch': { ...common, ...smpp, ...options.dispatchEnv },
    // The tests' callback receivers listen on loopback, which callback-service refuses unless allowed.
    'callback-service': {
      ...common,
      KAFKA_GROUP_ID: 'e2e-callback-service',
      CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
      ACCOUNT_TOKEN_KEY: E2E_ACCOUNT_TOKEN_KEY.toString('base64'),
      GATEWAY_ADMIN_URL: `http://127.0.0.1:${gatewayPort}`,
      GATEWAY_ADMIN_TOKEN: E2E_ADMIN_TOKEN,
      ...options.callbackEnv,
    },
  };
  const count = (service: ServiceName): number =>
    service === 'rate-governor' ? (options.governors ?? options.replicas?.[service] ?? 1) : (options.replicas?.[service] ?? 1);
  const simPort = await freePort();
  const simulator = startApp('carrier-simulator', simPort, { ...smpp, RECEIPT_DELAY_MS: '20' });
  await waitUntilReady(simulator);
  const apps: RunningApp[] = [simulator];
  const services: ServiceName[] = ['api-gateway', 'rate-governor', 'carrier-dispatch', 'callback-service'];
  for (const service of services) {
    for (let i = 0; i < count(service); i += 1) apps.push(startApp(service, service === 'api-gateway' && i === 0 ? gatewayPort : await freePort(), envOf[service]));
  }
  try {
    await Promise.all(apps.map((app) => waitUntilReady(app)));
  } catch (error) {
    await Promise.all(apps.map((app) => stopApp(app)));
    throw error;
  }
  const gatewayUrls = apps.filter((a) => a.name === 'api-gateway').map((a) => `http://127.0.0.1:${a.port}`);
  return {
    gatewayUrl: gatewayUrls[0] ?? '',
    gatewayUrls,
    simulatorUrl: `http://127.0.0.1:${simPort}`,
    apps,
    env: common,
    dispatchEnv: envOf['carrier-dispatch'],
    startReplica: async (service) => {
      const app = startApp(service, await freePort(), envOf[service]);
      apps.push(app);
      await waitUntilReady(app);
      return app;
    },
    stop: async () => {
      await Promise.all(apps.map((app) => stopApp(app)));
    },
  };
}
