// Init container of the topics hook: waits until the brokers in KAFKA_BROKERS answer a
// metadata request, or fails after WAIT_TIMEOUT_SECONDS. Runs in the Sluice image (node, kafkajs).
const { Kafka, logLevel } = require('kafkajs');

const timeoutMs = Number(process.env.WAIT_TIMEOUT_SECONDS || 300) * 1000;
const deadline = Date.now() + timeoutMs;
const brokers = (process.env.KAFKA_BROKERS || '').split(',').map((b) => b.trim()).filter(Boolean);

async function attempt() {
  const kafka = new Kafka({
    clientId: 'sluice-wait-for-kafka',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    console.log(`kafka answers: ${cluster.brokers.length} broker(s)`);
    await admin.disconnect();
    process.exit(0);
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    const reason = error && error.message ? error.message : String(error);
    if (Date.now() >= deadline) {
      console.error(`kafka did not answer within ${timeoutMs / 1000} s: ${reason}`);
      process.exit(1);
    }
    console.log(`waiting for kafka: ${reason}`);
    setTimeout(attempt, 2000);
  }
}

if (brokers.length === 0) {
  console.error('KAFKA_BROKERS is not set');
  process.exit(1);
}
attempt();
