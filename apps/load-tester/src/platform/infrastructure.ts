// Schema and topics for a platform the harness starts itself (both steps are idempotent).
import { createDataSource, runMigrations } from '@sluice/persistence';
import { ensureTopics } from '@sluice/messaging';
import { Kafka, logLevel } from 'kafkajs';

export async function prepareInfrastructure(databaseUrl: string, kafkaBrokers: string): Promise<void> {
  // runMigrations holds its advisory lock on one connection and migrates on another.
  const dataSource = await createDataSource({ url: databaseUrl, poolSize: 2, applicationName: 'sluice-loadtest' }).initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
  await ensureTopics(new Kafka({ clientId: 'sluice-loadtest', brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING }));
}
