// Schema and topics for a platform the harness starts itself (both steps are idempotent).
import { createDataSource, runMigrations } from '@sluice/persistence';
import { ensureTopics } from '@sluice/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The name the load tester gives its connections: Postgres's `application_name`, Kafka's client id. */
export const LOAD_TESTER_CLIENT_NAME = 'sluice-loadtest';

export async function prepareInfrastructure(databaseUrl: string, kafkaBrokers: string): Promise<void> {
  // runMigrations holds its advisory lock on one connection and migrates on another.
  const dataSource = await createDataSource({ url: databaseUrl, poolSize: 2, applicationName: LOAD_TESTER_CLIENT_NAME }).initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
  await ensureTopics(new Kafka({ clientId: LOAD_TESTER_CLIENT_NAME, brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING }));
}

/** The KEY=value lines of the env file `deploy/local/infra.sh up` writes under `dir` (none when it is missing). */
export function localInfraEnv(dir: string): Record<string, string> {
  try {
    return Object.fromEntries(
      readFileSync(join(dir, 'infra.env'), 'utf8')
        .split('\n')
        .flatMap((line) => {
          const at = line.indexOf('=');
          return at > 0 ? [[line.slice(0, at), line.slice(at + 1)]] : [];
        }),
    );
  } catch {
    return {};
  }
}
