// The schedule reconciler against real Postgres (a database of its own), Redis (a database index of its own) and Kafka.
import { Logger } from '@nestjs/common';
import { CallbackMethod, LogMode, MessageErrorCode, MessageState, MessageType, SmsSubmittedPayload, TextEncoding, Topic } from '@sluice/contracts';
import { DispatchSchedule, KafkaProducer, RecordFinder } from '@sluice/messaging';
import { MetricsRegistry, ReadinessRegistry, Supervisor } from '@sluice/observability';
import { MessageAcceptanceRepository } from '@sluice/persistence';
import { testInfrastructure, testNumber } from '@sluice/testing';
import { createOwnTestDatabase, createTestAccount, OwnTestDatabase } from '@sluice/testing-data';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { governorEnv } from './governor.config';
import { ScheduleReconciler } from './schedule-reconciler.service';

const BOUND_MS = 1_000;
const SLACK_MS = 5_000;
/** Far past any log end: a group committed there has read everything (the governor, caught up). */
const CAUGHT_UP_OFFSET = '1000000000000';

describe('ScheduleReconciler (real Postgres, Redis and Kafka)', () => {
  const infra = testInfrastructure();
  const redisUrl = (() => {
    const url = new URL(infra.redisUrl);
    url.pathname = '/11';
    return url.toString();
  })();
  let db: OwnTestDatabase;
  let redis: Redis;
  let producer: KafkaProducer;
  let schedule: DispatchSchedule;
  let finder: RecordFinder<typeof Topic.SmsSubmitted>;
  let accountId: string;
  const groups: string[] = [];

  beforeAll(async () => {
    db = await createOwnTestDatabase('sluice_reconcile');
    redis = new Redis(redisUrl);
    await redis.flushdb();
    schedule = new DispatchSchedule(redis);
    producer = new KafkaProducer({ brokers: infra.kafkaBrokers, clientId: 'reconciler-test' }, new ReadinessRegistry());
    await producer.onModuleInit();
    finder = producer.recordFinder(Topic.SmsSubmitted, 'reconciler-test-read');
    accountId = (await createTestAccount(db.dataSource, { smsMps: 5 })).authId;
  }, 60_000);

  afterAll(async () => {
    await producer.withAdmin((admin) => admin.deleteGroups(groups)).catch(() => undefined);
    await producer.onApplicationShutdown();
    await redis.flushdb();
    await redis.quit();
    await db.drop();
  });

  /** A governor group that has read all of sms.submitted.v1, or (caughtUp false) none of it. */
  async function governorGroup(caughtUp: boolean): Promise<string> {
    const groupId = `reconciler-test-${randomUUID()}`;
    groups.push(groupId);
    if (caughtUp) {
      await producer.withAdmin(async (admin) => {
        const partitions = (await admin.fetchTopicOffsets(Topic.SmsSubmitted)).map((p) => ({ partition: p.partition, offset: CAUGHT_UP_OFFSET }));
        await admin.setOffsets({ groupId, topic: Topic.SmsSubmitted, partitions });
      });
    }
    return groupId;
  }

  function reconciler(groupId: string, metrics = new MetricsRegistry({ service: 'rate-governor', logLevel: 'silent' })): ScheduleReconciler {
    const config = governorEnv.parse({
      PORT: '1',
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      KAFKA_GROUP_ID: groupId,
      REGOVERN_AFTER_MS: String(BOUND_MS),
      REGOVERN_SLACK_MS: String(SLACK_MS),
    });
    return new ScheduleReconciler(config, redis, producer, db.dataSource, new Supervisor(new ReadinessRegistry(), metrics), metrics);
  }

  /**
   * A message accepted `ageMs` ago as the gateway does it: its queued row, and its record on
   * sms.submitted.v1 (unless `recorded` is false: a record Kafka has lost).
   */
  async function accept(ageMs: number, log: LogMode = LogMode.All, recorded = true): Promise<SmsSubmittedPayload> {
    const at = new Date(Date.now() - ageMs);
    const messageUuid = randomUUID();
    const dst = testNumber('202');
    const src = testNumber('888');
    const sealed = log === LogMode.None;
    const payload: SmsSubmittedPayload = {
      messageUuid,
      accountId,
      type: MessageType.Sms,
      src,
      dst,
      text: sealed ? '' : 'kept at rest',
      ...(sealed ? { sealedContent: 'v1.c2VhbGVkIGNvbnRlbnQ=' } : {}),
      encoding: TextEncoding.Gsm7,
      units: 1,
      mediaUrls: [],
      log,
      acceptedAt: at.getTime(),
      messageExpiry: 10_799,
    };
    await new MessageAcceptanceRepository().insertBatch(
      db.dataSource,
      [
        {
          messageUuid,
          accountId,
          rootAccountId: accountId,
          messageType: MessageType.Sms,
          fromNumber: src,
          toNumber: sealed ? `${dst.slice(0, -3)}***` : dst,
          text: sealed ? null : payload.text,
          contentKey: null,
          encoding: TextEncoding.Gsm7,
          logMode: log,
          units: 1,
          totalRate: '0.00500',
          totalAmount: '0.00500',
          state: MessageState.Queued,
          errorCode: MessageErrorCode.Ok,
          messageExpiry: payload.messageExpiry,
          callbackUrl: null,
          callbackMethod: CallbackMethod.Post,
          powerpackId: null,
          destinationCountry: 'US',
          acceptedAt: at,
        },
      ],
      [],
    );
    if (recorded) await producer.publish(Topic.SmsSubmitted, [payload]);
    return payload;
  }

  async function regovernedAt(messageUuid: string): Promise<Date | null | undefined> {
    const rows: Array<{ regoverned_at: Date | null }> = await db.dataSource.query(`SELECT regoverned_at FROM messages WHERE message_uuid = $1`, [messageUuid]);
    return rows[0]?.regoverned_at;
  }

  /** What was published again for a message (a record carrying `regoverned`), stamped at or after `since`. */
  async function republished(messageUuid: string, since: number): Promise<SmsSubmittedPayload | undefined> {
    const { partitions } = await finder.consumedThrough(`reconciler-test-${randomUUID()}`, since);
    const found = await finder.find(
      [{ partition: finder.partitionOf(accountId, partitions), ids: new Set([messageUuid]), from: since, until: Date.now() + 5_000 }],
      (p) => (p.regoverned !== undefined ? p.messageUuid : ''),
      20_000,
    );
    return found.get(messageUuid);
  }

  it('governs again, once across replicas, a queued message with no schedule entry, from its record in Kafka', async () => {
    const groupId = await governorGroup(true);
    const lost = await accept(1_500, LogMode.None);
    // Booked far ahead: it waits on the schedule, as it should.
    const waiting = await accept(1_500);
    await schedule.put({ message: waiting, dueAt: Date.now() + 3_600_000 });
    const replicas = [reconciler(groupId), reconciler(groupId)];
    const started = Date.now();

    // Seen missing, but not yet for long enough.
    expect(await Promise.all(replicas.map((r) => r.reconcile(started)))).toEqual([0, 0]);
    expect(await regovernedAt(lost.messageUuid)).toBeNull();

    // Later (the clock each run is given): both replicas act at once, and one of them wins.
    const later = started + 2 * SLACK_MS + 1;
    const published = await Promise.all(replicas.map((r) => r.reconcile(later)));
    expect(published.sort()).toEqual([0, 1]);
    expect(await regovernedAt(lost.messageUuid)).toBeInstanceOf(Date);
    expect(await regovernedAt(waiting.messageUuid)).toBeNull();

    // The very record the gateway wrote (sealed content included), marked as governed again.
    const record = await republished(lost.messageUuid, started);
    expect(record).toEqual({ ...lost, regoverned: expect.any(Number) });

    // Within the bound nobody governs it again.
    expect(await Promise.all(replicas.map((r) => r.reconcile(later + 2 * SLACK_MS + 1)))).toEqual([0, 0]);
  }, 90_000);

  it('leaves a message alone while the governor has not read up to its record', async () => {
    const groupId = await governorGroup(false);
    const pending = await accept(1_500);
    const replica = reconciler(groupId);
    const started = Date.now();
    expect(await replica.reconcile(started)).toBe(0);
    expect(await replica.reconcile(started + 2 * SLACK_MS + 1)).toBe(0);
    expect(await regovernedAt(pending.messageUuid)).toBeNull();
  }, 60_000);

  it('counts a queued message whose record Kafka no longer has, and leaves it queued for its expiry', async () => {
    const groupId = await governorGroup(true);
    const orphans = [await accept(1_500, LogMode.All, false), await accept(1_500, LogMode.All, false)];
    const metrics = new MetricsRegistry({ service: 'rate-governor', logLevel: 'silent' });
    const replica = reconciler(groupId, metrics);
    const errors = jest.spyOn(Logger.prototype, 'error');
    const started = Date.now();
    // The earlier tests' messages may be governed again in the same runs: only the orphans are looked at.
    await replica.reconcile(started);
    await replica.reconcile(started + 2 * SLACK_MS + 1);
    // One line for the run, naming both, not a line for each message.
    const lines = errors.mock.calls.filter(([fields]) => (fields as { messageUuids?: unknown }).messageUuids !== undefined);
    errors.mockRestore();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.[0]).toEqual({ messages: 2, messageUuids: expect.arrayContaining(orphans.map((o) => o.messageUuid)) });

    const notFound = (await metrics.registry.getMetricsAsJSON())
      .find((m) => m.name.endsWith('governor_regoverned_total'))
      ?.values.find((v) => v.labels['outcome'] === 'record_not_found')?.value;
    expect(notFound).toBe(2);
    for (const orphan of orphans) {
      // Claimed, so no replica looks for it again within the bound; still queued, so its expiry ends it.
      expect(await regovernedAt(orphan.messageUuid)).toBeInstanceOf(Date);
      const rows: Array<{ message_state: string }> = await db.dataSource.query(`SELECT message_state FROM messages WHERE message_uuid = $1`, [orphan.messageUuid]);
      expect(rows[0]?.message_state).toBe(MessageState.Queued);
    }
  }, 90_000);
});
