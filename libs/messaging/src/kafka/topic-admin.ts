// Creates Sluice's topics with their partition counts; never relies on broker auto-create.
import { TOPIC_SPECS } from '@sluice/contracts';
import { Kafka } from 'kafkajs';

export async function ensureTopics(kafka: Kafka, replicationFactor = 1): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
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
  } finally {
    await admin.disconnect();
  }
}
