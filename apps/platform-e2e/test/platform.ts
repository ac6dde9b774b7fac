// Runs the whole platform (five apps as processes) against the test infrastructure.
import { freePort, RunningApp, startApp, stopApp, testInfrastructure, waitUntilReady } from '@sluice/testing';

export interface Platform {
  readonly gatewayUrl: string;
  readonly simulatorUrl: string;
  readonly apps: RunningApp[];
  readonly env: Record<string, string>;
  /** What carrier-dispatch was started with, to start another. */
  readonly dispatchEnv: Record<string, string>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** rate-governor processes in one consumer group. */
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
  const [simPort, gwPort, dispPort, cbPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const governorPorts = await Promise.all(Array.from({ length: options.governors ?? 1 }, () => freePort()));
  const simulator = startApp('carrier-simulator', simPort!, { ...smpp, RECEIPT_DELAY_MS: '20' });
  await waitUntilReady(simulator);
  const apps = [
    simulator,
    startApp('api-gateway', gwPort!, common),
    ...governorPorts.map((port) => startApp('rate-governor', port, { ...common, KAFKA_GROUP_ID: 'e2e-rate-governor' })),
    startApp('carrier-dispatch', dispPort!, { ...common, ...smpp, ...options.dispatchEnv }),
    startApp('callback-service', cbPort!, { ...common, KAFKA_GROUP_ID: 'e2e-callback-service' }),
  ];
  try {
    await Promise.all(apps.map((app) => waitUntilReady(app)));
  } catch (error) {
    await Promise.all(apps.map((app) => stopApp(app)));
    throw error;
  }
  return {
    gatewayUrl: `http://127.0.0.1:${gwPort}`,
    simulatorUrl: `http://127.0.0.1:${simPort}`,
    apps,
    env: common,
    dispatchEnv: { ...common, ...smpp, ...options.dispatchEnv },
    stop: async () => {
      await Promise.all(apps.map((app) => stopApp(app)));
    },
  };
}
