// `npm run kafka:dlq -- <topic> [--replay] [--from <offset>]`: lists the dead letters of a
// topic (never their content), or puts back on the topic those its schema accepts now.
import { kafkaEnv, loadConfig, runOrExplain } from '@sluice/config';
import { Topic } from '@sluice/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { parseArgs } from 'node:util';
import { DeadLetterEntry, listDeadLetters, replayDeadLetters } from '../kafka/dead-letters';

const USAGE = `usage: npm run kafka:dlq -- <topic> [--replay] [--from <offset>]
  <topic>         one of ${Object.values(Topic).join(', ')} (its dead letters are on <topic>.dlq)
  --replay        publish back to <topic> the dead letters its schema accepts now
  --from <offset> start at this offset of <topic>.dlq (default 0)
`;

void runOrExplain(async () => {
  const { values, positionals } = parseArgs({ options: { replay: { type: 'boolean', default: false }, from: { type: 'string', default: '0' } }, allowPositionals: true });
  const topic = Object.values(Topic).find((t) => t === positionals[0]);
  if (!topic || positionals.length !== 1 || !/^\d+$/.test(values.from ?? '')) {
    process.stderr.write(USAGE);
    process.exit(64);
  }
  const config = loadConfig('kafka:dlq', kafkaEnv);
  const kafka = new Kafka({ clientId: 'sluice-dlq', brokers: config.KAFKA_BROKERS, logLevel: logLevel.ERROR });
  const source = { topic, fromOffset: values.from };
  if (!values.replay) {
    const entries = await listDeadLetters(kafka, source);
    for (const entry of entries) process.stdout.write(`${describe(entry)}\n`);
    const accepted = entries.filter((e) => e.acceptedNow).length;
    process.stdout.write(`${entries.length} dead letter(s) on ${topic}.dlq; ${accepted} accepted by the schema now (--replay puts them back)\n`);
    return;
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const { replayed, left } = await replayDeadLetters(kafka, source, async (target, messages) => {
      await producer.send({ topic: target, acks: -1, messages: [...messages] });
    });
    for (const entry of left) process.stdout.write(`left: ${describe(entry)}\n`);
    process.stdout.write(`replayed ${replayed.length} dead letter(s) to ${topic}; ${left.length} still rejected by its schema\n`);
  } finally {
    await producer.disconnect();
  }
});

function describe(entry: DeadLetterEntry): string {
  return [
    `offset ${entry.offset}`,
    `from partition ${entry.originalPartition} offset ${entry.originalOffset}`,
    `group ${entry.consumerGroup}`,
    `at ${entry.failedAt}`,
    `${entry.reason}: ${entry.detail}`,
    entry.acceptedNow ? 'accepted now' : 'still rejected',
  ].join(' | ');
}
