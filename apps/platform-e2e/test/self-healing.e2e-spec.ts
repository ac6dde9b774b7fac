// The platform heals itself: Redis loses its state during a backlog, and messages expire while the governor is down.
import { Topic } from '@sluice/contracts';
import { eventually, stopApp, testInfrastructure, testNumber } from '@sluice/testing';
import { createOwnTestDatabase, createTestAccount, OwnTestDatabase, registerTestNumber } from '@sluice/testing-data';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CallbackReceiver } from './callback-receiver';
import { Platform, startPlatform } from './platform';

/** The states a message ends in (`sent` too, when no receipt comes; the simulator always sends one). */
const FINAL = ['delivered', 'undelivered', 'failed'];

/** New consumer groups that start at the end of their topic, rather than at the start of the retained log. */
async function groupsAtEnd(kafka: Kafka, groups: ReadonlyArray<{ groupId: string; topic: string }>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    await Promise.all(
      groups
        .filter((g) => existing.has(g.topic))
        .map(async ({ groupId, topic }) => {
          const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
          await admin.setOffsets({ groupId, topic, partitions });
        }),
    );
  } finally {
    await admin.disconnect();
  }
}

describe('self-healing', () => {
  // This platform acts on every queued message it can see and flushes its Redis: it gets a
  // database, a Redis index and consumer groups of its own, so it touches nobody else's state.
  const infra = testInfrastructure();
  const redisUrl = (() => {
    const url = new URL(infra.redisUrl);
    url.pathname = '/12';
    return url.toString();
  })();
  const suffix = randomBytes(4).toString('hex');
  const governorGroup = `e2e-healing-governor-${suffix}`;
  const callbackGroup = `e2e-healing-callback-${suffix}`;
  const groups = [
    { groupId: governorGroup, topic: Topic.SmsSubmitted },
    { groupId: callbackGroup, topic: Topic.SmsStatus },
    { groupId: `${callbackGroup}-inbound`, topic: Topic.SmsInbound },
    { groupId: `${callbackGroup}.ops-alerts`, topic: Topic.OpsAlerts },
  ];
  const kafka = new Kafka({ clientId: 'e2e-self-healing', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const receiver = new CallbackReceiver();
  let db: OwnTestDatabase;
  let redis: Redis;
  let platform: Platform;
  let dataSource: DataSource;
  let callbackUrl: string;

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    await redis.flushdb();
    [db, callbackUrl] = await Promise.all([createOwnTestDatabase('sluice_e2e_healing'), receiver.start(), groupsAtEnd(kafka, groups)]);
    dataSource = db.dataSource;
    platform = await startPlatform({
      commonEnv: { DATABASE_URL: db.url, REDIS_URL: redisUrl },
      governorEnv: {
        KAFKA_GROUP_ID: governorGroup,
        REGOVERN_AFTER_MS: '5000',
        REGOVERN_INTERVAL_MS: '1000',
        REGOVERN_SLACK_MS: '1000',
      },
      callbackEnv: { KAFKA_GROUP_ID: callbackGroup },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([platform?.stop(), receiver.stop()]);
    await db?.drop();
    await redis?.flushdb();
    await redis?.quit();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups(groups.map((g) => g.groupId)).catch(() => undefined);
    await admin.disconnect();
  });

  async function account(smsMps: number) {
    const created = await createTestAccount(dataSource, { smsMps });
    const src = testNumber('888');
    await registerTestNumber(dataSource, created.authId, src, { type: 'short_code' });
    const auth = `Basic ${Buffer.from(`${created.authId}:${created.authToken}`).toString('base64')}`;
    const send = async (count: number, extra: Record<string, unknown> = {}): Promise<string[]> => {
      const dst = Array.from({ length: count }, () => testNumber('202')).join('<');
      const response = await fetch(`${platform.gatewayUrl}/v1/Account/${created.authId}/Message/`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ src, dst, text: 'self-healing', url: callbackUrl, ...extra }),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { message_uuid: string[] }).message_uuid;
    };
    return { src, send };
  }

  const carrierCount = async (src: string) =>
    (await (await fetch(`${platform.simulatorUrl}/simulator/submissions/count?windowMs=800&source=${src}`)).json()) as { total: number; maxInWindow: number };

  /** Each message's final callback, once all have one; fails the test if one came twice. */
  async function finalCallbacks(uuids: readonly string[], timeoutMs: number) {
    const finals = await eventually(
      async () => {
        const got = uuids.map((uuid) => receiver.forMessage(uuid).filter((c) => FINAL.includes(c.params['Status'] ?? '')));
        return got.every((c) => c.length > 0) ? got : undefined;
      },
      timeoutMs,
      'a final callback for every message',
    );
    expect(finals.filter((c) => c.length !== 1)).toEqual([]);
    return finals.flat().map((c) => c.params);
  }

  it('loses nothing when Redis loses its state during a backlog, and keeps the MPS at the carrier', async () => {
    const { src, send } = await account(20);
    const backlog = await send(200);
    // About two seconds into the backlog (20 MPS), Redis fails over to an empty replica.
    await eventually(async () => ((await carrierCount(src)).total >= 40 ? true : undefined), 60_000, 'the backlog under way');
    await redis.flushdb();
    // New traffic is booked at once, on windows rebuilt from what the carrier just received.
    const after = await send(40);
    const all = [...backlog, ...after];

    const finals = await finalCallbacks(all, 120_000);
    expect(finals.filter((p) => p['Status'] !== 'delivered')).toEqual([]);
    const rows: Array<{ message_state: string; n: number }> = await dataSource.query(
      `SELECT message_state, count(*)::int AS n FROM messages WHERE message_uuid = ANY($1::uuid[]) GROUP BY 1`,
      [all],
    );
    expect(rows).toEqual([{ message_state: 'delivered', n: 240 }]);
    // The carrier saw each once, never more than 20 in a second (a window 200 ms shorter than the quota's absorbs dispatch jitter).
    const counts = await carrierCount(src);
    expect(counts.total).toBe(240);
    expect(counts.maxInWindow).toBeLessThanOrEqual(20);
    const duplicates = (await (await fetch(`${platform.simulatorUrl}/simulator/duplicates`)).json()) as { extraSubmissions: number };
    expect(duplicates.extraSubmissions).toBe(0);
    // Some of them had lost their schedule entry and were governed again.
    const regoverned: Array<{ n: number }> = await dataSource.query(
      `SELECT count(*)::int AS n FROM messages WHERE message_uuid = ANY($1::uuid[]) AND regoverned_at IS NOT NULL`,
      [backlog],
    );
    expect(regoverned[0]?.n).toBeGreaterThan(0);
  }, 240_000);

  it('fails with 420 and a callback what expires while the governor is down, with Postgres alone', async () => {
    for (const governor of platform.apps.filter((a) => a.name === 'rate-governor')) await stopApp(governor);
    const { src, send } = await account(20);
    const uuids = await send(10, { message_expiry: 5 });

    const finals = await finalCallbacks(uuids, 60_000);
    expect(finals.map((p) => `${p['Status']} ${p['ErrorCode']} ${Number(p['TotalAmount'])}`)).toEqual(uuids.map(() => 'failed 420 0'));
    const rows: Array<{ message_state: string; error_code: string; amount: number }> = await dataSource.query(
      `SELECT message_state, error_code, total_amount::float AS amount FROM messages WHERE message_uuid = ANY($1::uuid[])`,
      [uuids],
    );
    expect(rows).toEqual(uuids.map(() => ({ message_state: 'failed', error_code: '420', amount: 0 })));

    // A governor back at work reads their records and leaves them as they are.
    await platform.startReplica('rate-governor');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await carrierCount(src)).total).toBe(0);
    const events: Array<{ n: number }> = await dataSource.query(`SELECT count(*)::int AS n FROM status_events WHERE message_uuid = ANY($1::uuid[])`, [uuids]);
    expect(events[0]?.n).toBe(20);
  }, 120_000);
});
