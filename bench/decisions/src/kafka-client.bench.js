// Cost of a paced stream of records through Kafka with two clients: kafkajs, as the project
// uses it, against librdkafka through @confluentinc/kafka-javascript's KafkaJS-compatible API
// (what a port of libs/messaging would use). One process produces at a steady rate, in sends
// of a few records as the platform's lingered hand-offs do, and consumes the same topic in a
// consumer group. CPU of that process (librdkafka's threads included) and of the broker, from
// /proc, over a window after a warm-up. Run: see ../README.md.
'use strict';
const { randomUUID } = require('node:crypto');
const { readdirSync, readFileSync } = require('node:fs');
const { infraEnv, procCpuMs, nodeCpuMs, load, sleep, median } = require('./measure');

const env = infraEnv();
const RUNS = Number(env.BENCH_RUNS ?? 3);
const SECONDS = Number(env.BENCH_SECONDS ?? 20);
const WARMUP_MS = 8_000;
/** A broker started a short while ago runs interpreted code and costs many times more a request: every client first runs this long, unmeasured, at the highest rate. */
const BROKER_WARMUP_S = Number(env.BENCH_BROKER_WARMUP_S ?? 60);
const VARIANTS = (env.BENCH_VARIANTS ?? 'kafkajs,librdkafka').split(',');
/** records a second / records a send: one send every 10 ms, as the platform's 10 ms lingers at 1,000 and 4,000 records a second. */
const RATES = (env.BENCH_RATES ?? '1000/10,4000/40').split(',').map((spec) => spec.split('/').map(Number));
/** As libs/messaging's consumers (kafka-consumer.ts): an idle fetch waits 2 s, offsets are committed once a second. */
const FETCH_WAIT_MS = 2_000;
const COMMIT_INTERVAL_MS = 1_000;
/** As sms.status.v1 (libs/contracts topics.ts). */
const PARTITIONS = 12;
const brokers = env.KAFKA_BROKERS.split(',');

/** The broker's JVM: the process whose command line runs kafka.Kafka. */
function brokerPid() {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (/(^|\/)java$/.test(cmd[0]) && cmd.includes('kafka.Kafka')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error('no Kafka broker (kafka.Kafka) found on this machine');
}

/** An sms.status.v1 event with its record, about 300 bytes. */
function statusValue() {
  const now = Date.now();
  return JSON.stringify({
    messageUuid: randomUUID(),
    accountId: 'MABENCHACCOUNT000001',
    state: 'delivered',
    errorCode: '000',
    sequence: 3,
    occurredAt: now,
    record: { totalRate: '0.00500', totalAmount: '0.00500', mcc: '310', mnc: '260', sentAt: now, deliveryReportAt: now },
  });
}

/** The two clients behind one shape: create a topic, produce a batch, consume in a group. */
function client(variant) {
  if (variant === 'kafkajs') {
    const { Kafka, logLevel } = require('kafkajs');
    const kafka = new Kafka({ clientId: 'bench-client', brokers, logLevel: logLevel.WARN });
    return {
      admin: () => kafka.admin(),
      // As libs/messaging's producers: idempotent, one request at a time, acks=all.
      producer: () => {
        const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        return { connect: () => producer.connect(), disconnect: () => producer.disconnect(), send: (topic, messages) => producer.send({ topic, acks: -1, messages }) };
      },
      consumer: (groupId) => kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 3_000, maxWaitTimeInMs: FETCH_WAIT_MS, allowAutoTopicCreation: false }),
      // kafkajs's eachBatch commits after every batch whatever autoCommitInterval says, so the
      // offsets are committed here once a second, as libs/messaging's deferred commits do.
      commitsItself: false,
      subscribe: (consumer, topic) => consumer.subscribe({ topic, fromBeginning: true }),
    };
  }
  if (variant === 'librdkafka') {
    let confluent;
    try {
      confluent = require('@confluentinc/kafka-javascript');
    } catch {
      throw new Error('@confluentinc/kafka-javascript is not installed: see "bench:kafka-client" in bench/decisions/README.md (CKJS_LINKING=dynamic npm ci)');
    }
    const { Kafka, logLevel } = confluent.KafkaJS;
    const kafka = new Kafka({ kafkaJS: { clientId: 'bench-client', brokers, logLevel: logLevel.WARN } });
    return {
      admin: () => kafka.admin(),
      producer: () => {
        const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 } });
        return { connect: () => producer.connect(), disconnect: () => producer.disconnect(), send: (topic, messages) => producer.send({ topic, messages }) };
      },
      consumer: (groupId) =>
        kafka.consumer({
          kafkaJS: { groupId, fromBeginning: true, sessionTimeout: 10_000, heartbeatInterval: 3_000 },
          'fetch.wait.max.ms': FETCH_WAIT_MS,
          'auto.commit.interval.ms': COMMIT_INTERVAL_MS,
        }),
      commitsItself: true,
      subscribe: (consumer, topic) => consumer.subscribe({ topic }),
    };
  }
  throw new Error(`unknown variant ${variant}`);
}

async function run(variant, rate, perSend, broker, seconds = SECONDS) {
  const kafka = client(variant);
  const topic = `bench.decisions.client.${variant}.${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  const consumer = kafka.consumer(`bench-client-${randomUUID()}`);
  await consumer.connect();
  await kafka.subscribe(consumer, topic);
  let consumed = 0;
  const handled = new Map();
  const committer = kafka.commitsItself
    ? null
    : setInterval(() => {
        const offsets = [...handled].map(([partition, offset]) => ({ topic, partition, offset }));
        handled.clear();
        if (offsets.length > 0) consumer.commitOffsets(offsets).catch(() => undefined);
      }, COMMIT_INTERVAL_MS);
  await consumer.run({
    ...(kafka.commitsItself ? {} : { autoCommit: false }),
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
      const last = batch.messages[batch.messages.length - 1];
      if (last) handled.set(batch.partition, (BigInt(last.offset) + 1n).toString());
    },
  });
  let produced = 0;
  let failed = 0;
  const value = statusValue();
  const timer = setInterval(() => {
    const messages = Array.from({ length: perSend }, () => ({ key: randomUUID(), value }));
    produced += perSend;
    producer.send(topic, messages).catch(() => (failed += perSend));
  }, (perSend * 1_000) / rate);
  await sleep(WARMUP_MS);
  const before = { node: nodeCpuMs(), broker: procCpuMs(broker), produced, consumed, at: process.hrtime.bigint() };
  await sleep(seconds * 1_000);
  const after = { node: nodeCpuMs(), broker: procCpuMs(broker), produced, consumed, at: process.hrtime.bigint() };
  clearInterval(timer);
  if (committer) clearInterval(committer);
  await sleep(1_000);
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  const measured = Number(after.at - before.at) / 1e9;
  const records = after.produced - before.produced;
  const us = (ms) => Math.round((ms / records) * 1_000 * 10) / 10;
  return {
    producedPerS: Math.round(records / measured),
    consumedPerS: Math.round((after.consumed - before.consumed) / measured),
    failed,
    clientUsPerRecord: us(after.node - before.node),
    brokerUsPerRecord: us(after.broker - before.broker),
  };
}

async function main() {
  const broker = brokerPid();
  console.error(`kafka client bench: ${SECONDS} s a run after ${WARMUP_MS / 1_000} s, runs=${RUNS}, variants=${VARIANTS.join(',')}, rates=${RATES.map(([r, n]) => `${r}/s in sends of ${n}`).join(', ')}, load average ${load()}`);
  const [topRate, topPerSend] = RATES.reduce((top, spec) => (spec[0] > top[0] ? spec : top));
  for (const variant of VARIANTS) {
    console.error(`warming the broker and ${variant}: ${BROKER_WARMUP_S} s at ${topRate}/s`);
    await run(variant, topRate, topPerSend, broker, BROKER_WARMUP_S);
  }
  const rows = [];
  for (let round = 1; round <= RUNS; round += 1) {
    for (const [rate, perSend] of RATES) {
      for (const variant of VARIANTS) {
        const loadBefore = load();
        const row = { variant, rate, perSend, run: round, load: loadBefore, ...(await run(variant, rate, perSend, broker)) };
        rows.push(row);
        console.log(JSON.stringify(row));
        await sleep(2_000);
      }
    }
  }
  console.log('\n| rate (records a send) | client | client CPU µs/record | broker CPU µs/record | both |\n|---|---|---:|---:|---:|');
  for (const [rate, perSend] of RATES) {
    for (const variant of VARIANTS) {
      const mine = rows.filter((r) => r.variant === variant && r.rate === rate && r.perSend === perSend);
      const cell = (values) => `${median(values)} (${values.join(', ')})`;
      const both = mine.map((r) => Math.round((r.clientUsPerRecord + r.brokerUsPerRecord) * 10) / 10);
      console.log(`| ${rate}/s (${perSend}) | ${variant} | ${cell(mine.map((r) => r.clientUsPerRecord))} | ${cell(mine.map((r) => r.brokerUsPerRecord))} | ${cell(both)} |`);
    }
  }
  console.error(`done, load average ${load()}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
