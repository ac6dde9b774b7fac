// `npm run kafka:topics`: creates the topics in contracts with their partition counts.
import { kafkaEnv, loadConfig, positiveInt, runOrExplain } from '@sluice/config';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../kafka/topic-admin';

void runOrExplain(async () => {
  const config = loadConfig('kafka:topics', kafkaEnv.extend({ KAFKA_REPLICATION_FACTOR: positiveInt('a positive whole number').default(1) }));
  const kafka = new Kafka({ clientId: 'sluice-topics', brokers: config.KAFKA_BROKERS, logLevel: logLevel.ERROR });
  const created = await ensureTopics(kafka, config.KAFKA_REPLICATION_FACTOR);
  process.stdout.write(created.length ? `created: ${created.join(', ')}\n` : 'topics are up to date\n');
});
