// The outbox sweep against real Postgres and Kafka: status outbox rows a crash left behind (their
// events written, never published) are rebuilt from the history, published once each, and deleted.
import { Logger } from '@nestjs/common';
import { must, MessageErrorCode, MessageState, SmsStatusPayload, Topic } from '@sluice/contracts';
import { MetricsRegistry, ReadinessRegistry, Supervisor } from '@sluice/observability';
import { MessageAcceptanceRepository, MessageRepository } from '@sluice/persistence';
import { queuedSmsRow, testInfrastructure } from '@sluice/testing';
import { createOwnTestDatabase, createTestAccount, OwnTestDatabase } from '@sluice/testing-data';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { KafkaProducer } from '../kafka/kafka-producer.service';
import { OutboxRelay } from './outbox-relay.service';

describe('OutboxRelay sweep of the status outbox (real Postgres and Kafka)', () => {
  const infra = testInfrastructure();
  const kafka = new Kafka({ clientId: 'outbox-relay-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  // A database of its own: the sweep takes every old row it can see, and so would the relays of
  // the apps other test files start on the shared one.
  let db: OwnTestDatabase;
  let dataSource: DataSource;
  let producer: KafkaProducer;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createOwnTestDatabase('sluice_outbox_relay');
    dataSource = db.dataSource;
    producer = new KafkaProducer({ brokers: infra.kafkaBrokers, clientId: 'outbox-relay-test' }, new ReadinessRegistry());
    await producer.onModuleInit();
  });

  afterAll(async () => {
    await producer?.onApplicationShutdown();
    await db?.drop();
  });

  async function highWatermarks(): Promise<Map<number, bigint>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return new Map((await admin.fetchTopicOffsets(Topic.SmsStatus)).map((p) => [p.partition, BigInt(p.high)]));
    } finally {
      await admin.disconnect();
    }
  }

  /** The account's sms.status records written between the two sets of offsets. */
  async function statusRecords(accountId: string, from: Map<number, bigint>, until: Map<number, bigint>): Promise<SmsStatusPayload[]> {
    const pending = new Set([...until].filter(([partition, high]) => high > (from.get(partition) ?? 0n)).map(([partition]) => partition));
    const found: SmsStatusPayload[] = [];
    if (pending.size === 0) return found;
    const groupId = `outbox-relay-test-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId, topic: Topic.SmsStatus, partitions: [...from].map(([partition, offset]) => ({ partition, offset: String(offset) })) });
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: Topic.SmsStatus });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const payload = JSON.parse(must(message.value, 'a record value').toString('utf8')) as SmsStatusPayload;
              const high = until.get(batch.partition) ?? 0n;
              if (BigInt(message.offset) < high && payload.accountId === accountId) found.push(payload);
              if (BigInt(message.offset) + 1n >= high) pending.delete(batch.partition);
            }
            if (pending.size === 0) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    return found;
  }

  it('publishes the events of rows older than the writers need, once, and deletes the rows', async () => {
    const { authId } = await createTestAccount(dataSource);
    const rows = [queuedSmsRow(authId, {}), queuedSmsRow(authId, {}), queuedSmsRow(authId, {})];
    const accepted = await new MessageAcceptanceRepository().insertBatch(dataSource, rows, []);
    const sentUuids = rows.slice(0, 2).map((r) => r.messageUuid);
    const sent = await new MessageRepository(dataSource).transitionMany(MessageState.Sent, sentUuids.map((messageUuid) => ({ messageUuid, errorCode: MessageErrorCode.Ok })));
    const ids = [...new Set([...accepted.outbox, ...sent.map((a) => must(a, 'an applied transition').outbox)].map((row) => row.id))];
    expect(ids).toHaveLength(2);

    const relay = new OutboxRelay(dataSource, producer, new Supervisor(new ReadinessRegistry(), new MetricsRegistry({ service: 'test', logLevel: 'silent' })));
    // The writers died before publishing: their rows are young at first, and the sweep leaves them to them.
    const from = await highWatermarks();
    await relay.sweep();
    expect(await dataSource.query(`SELECT id::text FROM status_outbox WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids])).toEqual(ids.map((id) => ({ id })));
    await dataSource.query(`UPDATE status_outbox SET created_at = now() - interval '1 minute' WHERE id = ANY($1::bigint[])`, [ids]);
    expect(await relay.sweep()).toBe(2);
    expect(await dataSource.query(`SELECT id FROM status_outbox WHERE id = ANY($1::bigint[])`, [ids])).toEqual([]);
    expect(await relay.sweep()).toBe(0);

    const records = await statusRecords(authId, from, await highWatermarks());
    const key = (e: SmsStatusPayload) => `${e.messageUuid}:${e.sequence}`;
    expect(records.map(key).sort()).toEqual([...rows.map((r) => `${r.messageUuid}:1`), ...sentUuids.map((u) => `${u}:2`)].sort());
    const sentEvent = must(sent[0], 'the first transition').event;
    expect(records.find((e) => key(e) === key(sentEvent))).toEqual({ ...sentEvent, record: null, accepted: null });
    expect(records.find((e) => e.messageUuid === rows[2]?.messageUuid)).toEqual({
      messageUuid: rows[2]?.messageUuid,
      accountId: authId,
      state: MessageState.Queued,
      errorCode: MessageErrorCode.Ok,
      sequence: 1,
      occurredAt: rows[2]?.acceptedAt.getTime(),
      record: null,
      accepted: null,
    });
  });
});
