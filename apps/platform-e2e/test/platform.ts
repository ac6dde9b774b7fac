// Runs the whole platform (the five apps as processes, some as several replicas) against the test infrastructure.
import { freePort, RunningApp, startApp, stopApp, testInfrastructure, waitUntilReady } from '@sluice/testing';

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
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const infra = testInfrastructure();
  const common = {
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
  };
  const smppPort = await freePort();
  const smpp = { SMPP_PORT: String(smppPort), SMPP_SYSTEM_ID: 'sluice', SMPP_PASSWORD: 'sluice' };
  const envOf: Record<ServiceName, Record<string, string>> = {
    'api-gateway': common,
    'rate-governor': { ...common, KAFKA_GROUP_ID: 'e2e-rate-governor' },
    'carrier-dispatch': { ...common, ...smpp, ...options.dispatchEnv },
    // The tests' callback receivers listen on loopback, which callback-service refuses unless allowed.
    'callback-service': { ...common, KAFKA_GROUP_ID: 'e2e-callback-service', CALLBACK_ALLOWED_HOSTS: '127.0.0.1' },
  };
  const count = (service: ServiceName): number =>
    service === 'rate-governor' ? (options.governors ?? options.replicas?.[service] ?? 1) : (options.replicas?.[service] ?? 1);
  const simPort = await freePort();
  const simulator = startApp('carrier-simulator', simPort, { ...smpp, RECEIPT_DELAY_MS: '20' });
  await waitUntilReady(simulator);
  const apps: RunningApp[] = [simulator];
  const services: ServiceName[] = ['api-gateway', 'rate-governor', 'carrier-dispatch', 'callback-service'];
  for (const service of services) {
    for (let i = 0; i < count(service); i += 1) apps.push(startApp(service, await freePort(), envOf[service]));
  }
  try {
    await Promise.all(apps.map((app) => waitUntilReady(app)));
  } catch (error) {
    await Promise.all(apps.map((app) => stopApp(app)));
    throw error;
  }
  const gatewayUrls = apps.filter((a) => a.name === 'api-gateway').map((a) => `http://127.0.0.1:${a.port}`);
  return {
    gatewayUrl: gatewayUrls[0]!,
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
