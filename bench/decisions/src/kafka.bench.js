// Cost of consuming small JSON records from Kafka: a Nest microservice with ServerKafka (one
// @EventPattern handler call per record) against kafkajs eachBatch as the project's consumers
// use it, plain and through the project's own BatchConsumer (libs/messaging), each handler
// doing nothing. Run: see ../README.md. Prints one JSON line per run and a Markdown table of medians.
'use strict';
require('reflect-metadata');
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');
const { Controller, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { EventPattern, Transport } = require('@nestjs/microservices');
const { Kafka, Partitioners, logLevel } = require('kafkajs');
const { ROOT, infraEnv, nodeCpuMs, load, sleep, median } = require('./measure');

const env = infraEnv();
const N = Number(env.BENCH_RECORDS ?? 50_000);
const RUNS = Number(env.BENCH_RUNS ?? 3);
const VARIANTS = (env.BENCH_VARIANTS ?? 'nest-server-kafka,kafkajs-each-message,kafkajs-each-batch,batch-consumer').split(',');
/** As sms.submitted.v1 (libs/contracts topics.ts). */
const PARTITIONS = 12;
const brokers = env.KAFKA_BROKERS.split(',');
const kafka = new Kafka({ clientId: 'bench-decisions', brokers, logLevel: logLevel.WARN });

/** An sms.submitted.v1 payload of about 600 bytes (it passes the project's schema). */
function payload(i) {
  return {
    messageUuid: randomUUID(),
    accountId: `MABENCHACCOUNT${String(i % 50).padStart(6, '0')}`,
    type: 'sms',
    src: '14155550100',
    dst: `1202555${String(i % 10_000).padStart(4, '0')}`,
    text:
      'Your verification code is 482913. It expires in 10 minutes. Do not share this code with anyone, ' +
      'including people who say they work for us. If you did not ask for a code, you can ignore this message ' +
      'and your account stays as it is. Reply STOP to opt out of further messages from this sender. ' +
      'Msg and data rates may apply.',
    encoding: 'GSM',
    units: 3,
    mediaUrls: [],
    log: 'true',
    acceptedAt: Date.now(),
    messageExpiry: 10800,
  };
}

async function freshTopic(name) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: name, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let bytes = 0;
  for (let i = 0; i < N; i += 1_000) {
    const messages = [];
    for (let k = i; k < Math.min(N, i + 1_000); k += 1) {
      const p = payload(k);
      const value = JSON.stringify(p);
      bytes += value.length;
      messages.push({ key: p.accountId, value });
    }
    await producer.send({ topic: name, acks: -1, messages });
  }
  await producer.disconnect();
  await admin.disconnect();
  return bytes / N;
}

async function dropTopic(name) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [name] }).catch(() => undefined);
  await admin.disconnect();
}

/**
 * Counts records as handlers see them. The window measured runs from the moment the consumer
 * has joined its group (kafkajs `run` resolves once joined, before its first fetch is read)
 * to the Nth record, so fetching and decoding are in it and joining is not.
 */
class Counter {
  constructor() {
    this.count = 0;
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  begin() {
    if (this.firstAt) return;
    this.firstAt = process.hrtime.bigint();
    this.firstCpu = nodeCpuMs();
  }

  add(n) {
    this.begin();
    this.count += n;
    if (this.count >= N && !this.lastAt) {
      this.lastAt = process.hrtime.bigint();
      this.lastCpu = nodeCpuMs();
      this.resolve();
    }
  }
}

// ------------------------------------------------------------------ Nest ServerKafka

let current = null;

class StatusEvents {
  handle() {
    current.add(1);
  }
}

async function runNest(topic) {
  // Decorators applied by hand (plain JS): a controller with one @EventPattern handler.
  const descriptor = Object.getOwnPropertyDescriptor(StatusEvents.prototype, 'handle');
  EventPattern(topic)(StatusEvents.prototype, 'handle', descriptor);
  Object.defineProperty(StatusEvents.prototype, 'handle', descriptor);
  Controller()(StatusEvents);
  class BenchModule {}
  Module({ controllers: [StatusEvents] })(BenchModule);
  const counter = (current = new Counter());
  const app = await NestFactory.createMicroservice(BenchModule, {
    logger: ['error'],
    transport: Transport.KAFKA,
    options: {
      client: { clientId: 'bench-nest', brokers, logLevel: logLevel.WARN },
      // The project's consumer settings, so that only the handler granularity differs.
      consumer: { groupId: `bench-nest-${randomUUID()}`, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 3_000 },
      subscribe: { fromBeginning: true },
      run: { partitionsConsumedConcurrently: 4 },
    },
  });
  await app.listen();
  counter.begin();
  await counter.done;
  await app.close();
  return counter;
}

// ------------------------------------------------------------------ kafkajs eachBatch

async function runEachBatch(topic) {
  const counter = new Counter();
  const consumer = kafka.consumer({ groupId: `bench-batch-${randomUUID()}`, sessionTimeout: 10_000, heartbeatInterval: 3_000, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  // As BatchConsumer.eachBatch, without decoding: a no-op handler, then resolve and commit the batch.
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 4,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
      const last = batch.messages[batch.messages.length - 1];
      if (!last) return;
      counter.add(batch.messages.length);
      resolveOffset(last.offset);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  counter.begin();
  await counter.done;
  await consumer.disconnect();
  return counter;
}

// ------------------------------------------------------------------ kafkajs eachMessage

/** What ServerKafka runs under its handlers: kafkajs eachMessage (auto-commit), with no Nest in between. */
async function runEachMessage(topic) {
  const counter = new Counter();
  const consumer = kafka.consumer({ groupId: `bench-message-${randomUUID()}`, sessionTimeout: 10_000, heartbeatInterval: 3_000, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ partitionsConsumedConcurrently: 4, eachMessage: async () => counter.add(1) });
  counter.begin();
  await counter.done;
  await consumer.disconnect();
  return counter;
}

// ------------------------------------------------------------------ the project's BatchConsumer

async function runBatchConsumer(topic) {
  // libs/messaging as compiled: it resolves kafkajs, @nestjs/common and @sluice/contracts from the root.
  const { BatchConsumer } = require(join(ROOT, 'libs/messaging/dist/kafka/kafka-consumer.js'));
  const { Kafka: RootKafka, logLevel: rootLogLevel } = require(join(ROOT, 'node_modules/kafkajs'));
  require(join(ROOT, 'node_modules/@nestjs/common')).Logger.overrideLogger(['error']);
  const counter = new Counter();
  const unit = { name: 'bench', progressed() {}, failed: () => 1_000, out() {}, resumed() {}, restarted() {}, stopped() {}, downReason: () => null };
  const consumer = new BatchConsumer(
    {
      groupId: `bench-project-${randomUUID()}`,
      topic: 'sms.submitted.v1',
      readFrom: topic,
      // Every record is JSON-parsed and checked against the sms.submitted.v1 schema before this.
      handle: async (records) => counter.add(records.length),
    },
    {
      kafka: new RootKafka({ clientId: 'bench-project', brokers, logLevel: rootLogLevel.WARN }),
      unit,
      publishDeadLetters: async () => {
        throw new Error('no record should be a dead letter');
      },
      poisonRecords: { inc() {} },
    },
  );
  await consumer.start();
  counter.begin();
  await counter.done;
  await consumer.stop();
  return counter;
}

// ------------------------------------------------------------------ main

const runners = { 'nest-server-kafka': runNest, 'kafkajs-each-message': runEachMessage, 'kafkajs-each-batch': runEachBatch, 'batch-consumer': runBatchConsumer };

async function main() {
  console.error(`kafka bench: N=${N}, runs=${RUNS}, variants=${VARIANTS.join(',')}, brokers ${brokers.join(',')}, load average ${load()}`);
  const rows = [];
  for (let run = 1; run <= RUNS; run += 1) {
    for (const variant of VARIANTS) {
      const topic = `bench.decisions.${variant}.${Date.now()}`;
      const avgBytes = await freshTopic(topic);
      await sleep(1_000);
      const loadBefore = load();
      const counter = await runners[variant](topic);
      const wallMs = Number(counter.lastAt - counter.firstAt) / 1e6;
      const row = {
        variant,
        run,
        load: loadBefore,
        N,
        avgBytes: Math.round(avgBytes),
        recordsPerS: Math.round(N / (wallMs / 1000)),
        nodeCpuUsPerRecord: Math.round(((counter.lastCpu - counter.firstCpu) / N) * 1000 * 10) / 10,
        wallMs: Math.round(wallMs),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
      await dropTopic(topic);
      await sleep(2_000);
    }
  }
  console.log('\n| variant | records/s | Node CPU µs/record |\n|---|---:|---:|');
  for (const variant of VARIANTS) {
    const mine = rows.filter((r) => r.variant === variant);
    const cell = (key) => `${median(mine.map((r) => r[key]))} (${mine.map((r) => r[key]).join(', ')})`;
    console.log(`| ${variant} | ${cell('recordsPerS')} | ${cell('nodeCpuUsPerRecord')} |`);
  }
  console.error(`done, load average ${load()}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
