// Creates Sluice's topics with their partition counts; never relies on broker auto-create.
import { TOPIC_SPECS } from '@sluice/contracts';
import { Admin, Kafka } from 'kafkajs';

export async function ensureTopics(kafka: Kafka, replicationFactor = 1): Promise<string[]> {
  return withKafkaAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = TOPIC_SPECS.filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor,
          configEntries: [{ name: 'retention.ms', value: String(spec.retentionMs) }],
        })),
      });
    }
    return missing.map((spec) => spec.name);
  });
}

/** Runs `work` with a connected admin client of `kafka`, disconnected afterwards. */
export async function withKafkaAdmin<R>(kafka: Kafka, work: (admin: Admin) => Promise<R>): Promise<R> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}
