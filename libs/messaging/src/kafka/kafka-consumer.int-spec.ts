import { Logger } from '@nestjs/common';
import { DeadLetterHeader, DeadLetterReason, dlqTopic, MessageErrorCode, MessageState, SmsStatusPayload, Topic, TOPIC_SPECS } from '@sluice/contracts';
import { MetricsRegistry, ReadinessRegistry, Supervisor, SUPERVISOR_EXIT_CODE } from '@sluice/observability';
import { eventually, testInfrastructure } from '@sluice/testing';
import { IHeaders, Kafka, KafkaJSNonRetriableError, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { listDeadLetters, replayDeadLetters } from './dead-letters';
import { ConsumedRecord } from './kafka-consumer';
import { KafkaConsumers } from './kafka-consumers.service';
import { KafkaProducer } from './kafka-producer.service';
import { ensureTopics } from './topic-admin';

const brokers = testInfrastructure().kafkaBrokers;
const ACCOUNT = 'MATEST00000000000000';

/** Each test reads a topic of its own carrying sms.status.v1 payloads, so its records reach no other consumer. */
describe('Kafka batch consumer (real Kafka)', () => {
  const kafka = new Kafka({ clientId: 'sluice-int-test', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const created: string[] = [];
  let readiness: ReadinessRegistry;
  let metrics: MetricsRegistry;
  let supervisor: Supervisor;
  let exits: number[];
  let producer: KafkaProducer;
  let consumers: KafkaConsumers;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await admin.connect();
    readiness = new ReadinessRegistry();
    metrics = new MetricsRegistry({ service: 'int-test', logLevel: 'silent' });
    exits = [];
    supervisor = new Supervisor(readiness, metrics, { consumerMaxDownMs: 60_000, loopMaxDownMs: 60_000 }, { exit: (code) => exits.push(code) });
    producer = new KafkaProducer({ brokers, clientId: 'sluice-int-test' }, readiness);
    await producer.onModuleInit();
    consumers = new KafkaConsumers({ brokers, clientId: 'sluice-int-test' }, producer, supervisor, metrics);
  });

  afterAll(async () => {
    supervisor.beforeApplicationShutdown();
    await producer.onApplicationShutdown();
    if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  async function privateTopic(partitions: number): Promise<string> {
    const topic = `sluice-int-consumer-${randomUUID()}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }, { topic: dlqTopic(topic), numPartitions: 1 }] });
    created.push(topic, dlqTopic(topic));
    return topic;
  }

  const statusEvent = (messageUuid: string, sequence: number): SmsStatusPayload => ({
    messageUuid,
    accountId: ACCOUNT,
    state: MessageState.Sent,
    errorCode: MessageErrorCode.Ok,
    sequence,
    occurredAt: Date.now(),
  });

  /** The readiness check's complaint, or null when it passes. */
  async function readinessOf(name: string): Promise<string | null> {
    const check = readiness.entries().find(([n]) => n === name)?.[1];
    if (!check) throw new Error(`no readiness check named ${name}`);
    return check().then(
      () => null,
      (error: unknown) => (error as Error).message,
    );
  }

  async function metric(name: string, topic: string): Promise<number | undefined> {
    const line = (await metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`topic="${topic}"`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  }

  async function readAll(topic: string, count: number): Promise<Array<{ key: string; value: Buffer | null; headers: Record<string, string> }>> {
    const reader = kafka.consumer({ groupId: `int-test-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const seen: Array<{ key: string; value: Buffer | null; headers: Record<string, string> }> = [];
    await reader.connect();
    try {
      await reader.subscribe({ topic, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          seen.push({ key: message.key?.toString() ?? '', value: message.value, headers: textHeaders(message.headers ?? {}) });
        },
      });
      await eventually(async () => (seen.length >= count ? true : undefined), 30_000, `${count} records on ${topic}`, async () => `${seen.length}`);
    } finally {
      await reader.disconnect();
    }
    return seen;
  }

  it('creates every topic with its dead-letter topic', async () => {
    await ensureTopics(kafka);
    const existing = new Set(await admin.listTopics());
    expect(TOPIC_SPECS.map((spec) => spec.name).filter((name) => !existing.has(name))).toEqual([]);
    const { topics } = await admin.fetchTopicMetadata({ topics: [dlqTopic(Topic.SmsSubmitted)] });
    expect(topics[0]?.partitions).toHaveLength(1);
  });

  it('delivers every record of a key in order to a consumer group, and is ready while in it', async () => {
    const topic = await privateTopic(3);
    const messageUuid = randomUUID();
    const events = [1, 2, 3].map((sequence) => statusEvent(messageUuid, sequence));
    await producer.publishRaw(topic, events.map((e) => ({ key: e.messageUuid, value: JSON.stringify(e) })));

    const groupId = `int-test-${randomUUID()}`;
    const seen: Array<ConsumedRecord<typeof Topic.SmsStatus>> = [];
    const consumer = consumers.create({ groupId, topic: Topic.SmsStatus, readFrom: topic, handle: async (records) => void seen.push(...records) });
    await consumer.start();
    try {
      await eventually(async () => (seen.length >= 3 ? true : undefined), 30_000, 'three records');
      expect(await readinessOf(`consumer:${groupId}/${topic}`)).toBeNull();
      expect(await metric('sluice_consumer_up', topic)).toBe(1);
    } finally {
      await consumer.stop();
    }
    expect(seen.map((r) => r.payload.sequence)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((r) => r.partition)).size).toBe(1);
  });

  it('hands the batches of the partitions fetched together to one call, each partition in offset order', async () => {
    const topic = await privateTopic(6);
    // Produced before the consumer joins: its first fetch finds every partition's records.
    const keys = Array.from({ length: 12 }, () => randomUUID());
    const events = keys.flatMap((key) => [1, 2, 3].map((sequence) => statusEvent(key, sequence)));
    await producer.publishRaw(topic, events.map((e) => ({ key: e.messageUuid, value: JSON.stringify(e) })));

    const calls: Array<ReadonlyArray<ConsumedRecord<typeof Topic.SmsStatus>>> = [];
    const consumer = consumers.create({ groupId: `int-test-${randomUUID()}`, topic: Topic.SmsStatus, readFrom: topic, handle: async (records) => void calls.push(records) });
    await consumer.start();
    try {
      await eventually(async () => (calls.flat().length >= events.length ? true : undefined), 30_000, 'every record');
    } finally {
      await consumer.stop();
    }
    const handled = calls.flat();
    expect(handled).toHaveLength(events.length);
    // Several partitions in one call: fewer calls than the partitions that had records.
    const partitions = new Set(handled.map((r) => r.partition));
    expect(partitions.size).toBeGreaterThan(1);
    expect(calls.length).toBeLessThan(partitions.size);
    for (const key of keys) expect(handled.filter((r) => r.payload.messageUuid === key).map((r) => r.payload.sequence)).toEqual([1, 2, 3]);
    for (const call of calls) {
      const seen = call.map((r) => r.partition);
      // One partition after the other, never interleaved.
      expect(seen.filter((p, i) => i === 0 || p !== seen[i - 1])).toEqual([...new Set(seen)]);
    }
  });

  it('marks fresh only the records appended after its first fetch of their partition, and none that a failed handler was given', async () => {
    const topic = await privateTopic(1);
    const key = randomUUID();
    // In the log before the member joins: another member may have handled them.
    await producer.publishRaw(topic, [1, 2].map((sequence) => ({ key, value: JSON.stringify(statusEvent(key, sequence)) })));
    const handed: Array<{ sequence: number; fresh: boolean }> = [];
    let failOnce = true;
    const consumer = consumers.create({
      groupId: `int-test-${randomUUID()}`,
      topic: Topic.SmsStatus,
      readFrom: topic,
      handle: async (records) => {
        handed.push(...records.map((r) => ({ sequence: r.payload.sequence, fresh: r.fresh })));
        if (failOnce && records.some((r) => r.payload.sequence === 3)) {
          failOnce = false;
          throw new Error('the first batch with sequence 3 fails');
        }
      },
    });
    await consumer.start();
    try {
      await eventually(async () => (handed.length >= 2 ? true : undefined), 30_000, 'the records from before');
      await producer.publishRaw(topic, [{ key, value: JSON.stringify(statusEvent(key, 3)) }]);
      await eventually(async () => (handed.filter((h) => h.sequence === 3).length >= 2 ? true : undefined), 30_000, 'sequence 3, failed and redelivered');
      await producer.publishRaw(topic, [{ key, value: JSON.stringify(statusEvent(key, 4)) }]);
      await eventually(async () => (handed.some((h) => h.sequence === 4) ? true : undefined), 30_000, 'sequence 4');
    } finally {
      await consumer.stop();
    }
    expect(handed).toEqual([
      { sequence: 1, fresh: false },
      { sequence: 2, fresh: false },
      { sequence: 3, fresh: true },
      // Redelivered by Kafka after the failure: given to the handler before.
      { sequence: 3, fresh: false },
      { sequence: 4, fresh: true },
    ]);
  });

  it('when the merged call fails, handles each partition alone: one that keeps failing does not hold back the others', async () => {
    const topic = await privateTopic(6);
    const keys = Array.from({ length: 12 }, () => randomUUID());
    const events = keys.map((key) => statusEvent(key, 1));
    await producer.publishRaw(topic, events.map((e) => ({ key: e.messageUuid, value: JSON.stringify(e) })));
    // The records of the first key's partition fail every time they are handled.
    const doomed = keys[0];
    const handled = new Set<string>();
    const partitionOf = new Map<string, number>();
    let doomedPartition = -1;
    const groupId = `int-test-${randomUUID()}`;
    const consumer = consumers.create({
      groupId,
      topic: Topic.SmsStatus,
      readFrom: topic,
      handle: async (records) => {
        for (const r of records) partitionOf.set(r.payload.messageUuid, r.partition);
        const bad = records.find((r) => r.payload.messageUuid === doomed);
        if (bad) {
          doomedPartition = bad.partition;
          throw new Error('this partition cannot be handled');
        }
        for (const r of records) handled.add(r.payload.messageUuid);
      },
    });
    await consumer.start();
    try {
      const elsewhere = () => keys.filter((k) => partitionOf.get(k) !== doomedPartition);
      await eventually(
        async () => (doomedPartition >= 0 && partitionOf.size === keys.length && elsewhere().every((k) => handled.has(k)) ? true : undefined),
        30_000,
        'every record outside the failing partition',
        async () => `${handled.size} handled`,
      );
    } finally {
      await consumer.stop();
    }
    // Everything outside the failing partition was handled; nothing of that partition was.
    expect(keys.filter((k) => partitionOf.get(k) !== doomedPartition).length).toBeGreaterThan(0);
    expect([...handled].filter((k) => partitionOf.get(k) === doomedPartition)).toEqual([]);
    const offsets = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
    expect(offsets.find((p) => p.partition === doomedPartition)?.offset).toBe('-1');
  });

  it('sets records that cannot be parsed or validated aside on <topic>.dlq with the reason, and handles the rest', async () => {
    const topic = await privateTopic(1);
    const messageUuid = randomUUID();
    const notJson = 'call me at 14155550123';
    const invalid = JSON.stringify({ ...statusEvent(messageUuid, 2), state: 'lost' });
    await producer.publishRaw(topic, [
      { key: messageUuid, value: JSON.stringify(statusEvent(messageUuid, 1)) },
      { key: messageUuid, value: notJson },
      { key: messageUuid, value: invalid },
      { key: messageUuid, value: JSON.stringify(statusEvent(messageUuid, 3)) },
    ]);

    const groupId = `int-test-${randomUUID()}`;
    const handled: number[] = [];
    const consumer = consumers.create({ groupId, topic: Topic.SmsStatus, readFrom: topic, handle: async (records) => void handled.push(...records.map((r) => r.payload.sequence)) });
    await consumer.start();
    try {
      await eventually(async () => (handled.length >= 2 ? true : undefined), 30_000, 'the valid records to be handled');
      // The partition moved on: the group's offset is past every record, poison ones included.
      await eventually(
        async () => ((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset === '4' ? true : undefined),
        10_000,
        'the committed offset to pass the last record',
      );
    } finally {
      await consumer.stop();
    }
    expect(handled).toEqual([1, 3]);
    expect(await metric('sluice_consumer_poison_records_total', topic)).toBe(2);

    const deadLetters = await readAll(dlqTopic(topic), 2);
    expect(deadLetters).toHaveLength(2);
    const [first, second] = deadLetters;
    expect(first?.key).toBe(messageUuid);
    expect(first?.value?.toString()).toBe(notJson);
    expect(first?.headers).toMatchObject({
      [DeadLetterHeader.Reason]: DeadLetterReason.InvalidJson,
      [DeadLetterHeader.OriginalTopic]: topic,
      [DeadLetterHeader.OriginalPartition]: '0',
      [DeadLetterHeader.OriginalOffset]: '1',
      [DeadLetterHeader.ConsumerGroup]: groupId,
    });
    expect(first?.headers[DeadLetterHeader.Detail]).toMatch(/^not JSON/);
    expect(first?.headers[DeadLetterHeader.Detail]).not.toContain('14155550123');
    expect(Number.isNaN(Date.parse(first?.headers[DeadLetterHeader.FailedAt] ?? ''))).toBe(false);
    expect(second?.value?.toString()).toBe(invalid);
    expect(second?.headers).toMatchObject({
      [DeadLetterHeader.Reason]: DeadLetterReason.InvalidPayload,
      [DeadLetterHeader.Detail]: 'state: must be one of queued, sent, delivered, undelivered, failed, received',
      [DeadLetterHeader.OriginalOffset]: '2',
    });
  });

  it('lists dead letters and replays to their topic those its schema accepts now', async () => {
    const topic = await privateTopic(1);
    const messageUuid = randomUUID();
    const headers = (offset: string) => ({
      [DeadLetterHeader.Reason]: DeadLetterReason.InvalidPayload,
      [DeadLetterHeader.Detail]: 'sequence: Invalid input: expected number, received undefined',
      [DeadLetterHeader.OriginalTopic]: topic,
      [DeadLetterHeader.OriginalPartition]: '0',
      [DeadLetterHeader.OriginalOffset]: offset,
      [DeadLetterHeader.ConsumerGroup]: 'int-test',
      [DeadLetterHeader.FailedAt]: new Date().toISOString(),
      'trace-id': 'abc',
    });
    // One a since-fixed consumer rejected (it is valid), one that is still invalid.
    const fixed = JSON.stringify(statusEvent(messageUuid, 7));
    await producer.publishRaw(dlqTopic(topic), [
      { key: messageUuid, value: fixed, headers: headers('10') },
      { key: messageUuid, value: 'still not json', headers: { ...headers('11'), [DeadLetterHeader.Reason]: DeadLetterReason.InvalidJson } },
    ]);
    const source = { topic: Topic.SmsStatus, readFrom: topic };

    const listed = await listDeadLetters(kafka, source);
    expect(listed.map((e) => [e.offset, e.reason, e.originalOffset, e.acceptedNow])).toEqual([
      ['0', DeadLetterReason.InvalidPayload, '10', true],
      ['1', DeadLetterReason.InvalidJson, '11', false],
    ]);
    expect(await listDeadLetters(kafka, { ...source, fromOffset: '1' })).toHaveLength(1);

    const { replayed, left } = await replayDeadLetters(kafka, source, (target, messages) => producer.publishRaw(target, messages));
    expect(replayed.map((e) => e.offset)).toEqual(['0']);
    expect(left.map((e) => e.offset)).toEqual(['1']);
    const [back] = await readAll(topic, 1);
    expect(back?.key).toBe(messageUuid);
    expect(back?.value?.toString()).toBe(fixed);
    expect(back?.headers).toEqual({ 'trace-id': 'abc' });
  });

  it('restarts itself after kafkajs crashes it for good, reporting not ready until it is back, and redelivers the batch', async () => {
    const topic = await privateTopic(1);
    const messageUuid = randomUUID();
    await producer.publishRaw(topic, [{ key: messageUuid, value: JSON.stringify(statusEvent(messageUuid, 1)) }]);

    const groupId = `int-test-${randomUUID()}`;
    const check = `consumer:${groupId}/${topic}`;
    let attempts = 0;
    const handled: number[] = [];
    const consumer = consumers.create({
      groupId,
      topic: Topic.SmsStatus,
      readFrom: topic,
      handle: async (records) => {
        attempts += 1;
        // What a broker restart produced in the field: kafkajs treats it as fatal and does not restart the consumer.
        if (attempts === 1) throw new KafkaJSNonRetriableError('The coordinator is not aware of this member');
        handled.push(...records.map((r) => r.payload.sequence));
      },
    });
    await consumer.start();
    try {
      const down = await eventually(
        async () => {
          const reason = await readinessOf(check);
          return reason?.startsWith('restarting after') ? reason : undefined;
        },
        20_000,
        'readiness to report the crashed consumer',
      );
      expect(down).toContain('KafkaJSNonRetriableError: The coordinator is not aware of this member');
      expect(await metric('sluice_consumer_up', topic)).toBe(0);
      await eventually(async () => (handled.length > 0 && (await readinessOf(check)) === null ? true : undefined), 30_000, 'the consumer to rejoin and handle the record', async () =>
        String(await readinessOf(check)),
      );
    } finally {
      await consumer.stop();
    }
    expect(attempts).toBe(2);
    expect(handled).toEqual([1]);
    expect(await metric('sluice_consumer_restarts_total', topic)).toBe(1);
    expect(await metric('sluice_consumer_up', topic)).toBe(1);
    expect(exits).toEqual([]);
  });

  it('comes back after the coordinator dropped it from its group, without losing the batch it held', async () => {
    const topic = await privateTopic(1);
    const messageUuid = randomUUID();
    await producer.publishRaw(topic, [{ key: messageUuid, value: JSON.stringify(statusEvent(messageUuid, 1)) }]);

    const groupId = `int-test-${randomUUID()}`;
    const handled: number[] = [];
    let calls = 0;
    const consumer = consumers.create({
      groupId,
      topic: Topic.SmsStatus,
      readFrom: topic,
      sessionTimeoutMs: 6_000,
      handle: async (records) => {
        calls += 1;
        // Silent past the session timeout: the coordinator evicts the member, and its commit is refused.
        if (calls === 1) await new Promise((resolve) => setTimeout(resolve, 9_000));
        handled.push(...records.map((r) => r.payload.sequence));
      },
    });
    const check = `consumer:${groupId}/${topic}`;
    await consumer.start();
    try {
      await eventually(async () => (calls >= 2 ? true : undefined), 40_000, 'the batch to be delivered again');
      await producer.publishRaw(topic, [{ key: messageUuid, value: JSON.stringify(statusEvent(messageUuid, 2)) }]);
      await eventually(async () => (handled.includes(2) ? true : undefined), 30_000, 'a later record to be handled', async () => JSON.stringify(handled));
      await eventually(async () => ((await readinessOf(check)) === null ? true : undefined), 30_000, 'the consumer to be ready');
      // The member's commits go through again once it is back: the group's offset passes both records.
      await eventually(async () => ((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset === '2' ? true : undefined), 10_000, 'the offset past both records');
    } finally {
      await consumer.stop();
    }
    // At least once: the record whose commit was refused was handled again.
    expect(handled.filter((sequence) => sequence === 1).length).toBeGreaterThanOrEqual(2);
    expect(exits).toEqual([]);
  });

  it('makes the process exit when a consumer cannot get into its group within CONSUMER_MAX_DOWN_MS', async () => {
    const strictExits: number[] = [];
    const strictMetrics = new MetricsRegistry({ service: 'int-test', logLevel: 'silent' });
    const strict = new Supervisor(new ReadinessRegistry(), strictMetrics, { consumerMaxDownMs: 3_000, loopMaxDownMs: 3_000 }, { exit: (code) => strictExits.push(code) });
    const missing = `sluice-int-missing-${randomUUID()}`;
    const consumer = new KafkaConsumers({ brokers, clientId: 'sluice-int-test' }, producer, strict, strictMetrics).create({
      groupId: `int-test-${randomUUID()}`,
      topic: Topic.SmsStatus,
      readFrom: missing,
      handle: async () => undefined,
    });
    void consumer.start();
    try {
      await eventually(async () => (strictExits.length > 0 ? true : undefined), 15_000, 'the supervisor to exit');
    } finally {
      strict.beforeApplicationShutdown();
      await consumer.stop();
    }
    expect(strictExits).toEqual([SUPERVISOR_EXIT_CODE]);
  });
});

function textHeaders(headers: IHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value ?? '')]));
}
