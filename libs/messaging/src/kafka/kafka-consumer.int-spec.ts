import { MessageErrorCode, MessageState, SmsStatusPayload, Topic } from '@sluice/contracts';
import { testInfrastructure } from '@sluice/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { BatchConsumer, ConsumedRecord } from './kafka-consumer';
import { ensureTopics } from './topic-admin';

describe('Kafka produce and batch consume (real Kafka)', () => {
  const kafka = new Kafka({ clientId: 'sluice-int-test', brokers: testInfrastructure().kafkaBrokers, logLevel: logLevel.NOTHING });

  it('delivers every record of a key in order to a consumer group', async () => {
    await ensureTopics(kafka);
    const messageUuid = randomUUID();
    const events: SmsStatusPayload[] = [MessageState.Queued, MessageState.Sent, MessageState.Delivered].map((state, i) => ({
      messageUuid,
      accountId: 'MATEST00000000000000',
      state,
      errorCode: MessageErrorCode.Ok,
      sequence: i + 1,
      occurredAt: Date.now(),
    }));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: Topic.SmsStatus, acks: -1, messages: events.map((e) => ({ key: e.messageUuid, value: JSON.stringify(e) })) });
    await producer.disconnect();

    const seen: Array<ConsumedRecord<typeof Topic.SmsStatus>> = [];
    let resolveAll: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (resolveAll = resolve));
    const consumer = new BatchConsumer({
      kafka,
      groupId: `int-test-${randomUUID()}`,
      topic: Topic.SmsStatus,
      handle: async (records) => {
        seen.push(...records.filter((r) => r.payload.messageUuid === messageUuid));
        if (seen.length >= 3) resolveAll();
      },
    });
    await consumer.start();
    try {
      await all;
    } finally {
      await consumer.stop();
    }
    expect(seen.map((r) => r.payload.sequence)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((r) => r.partition)).size).toBe(1);
  });
});
