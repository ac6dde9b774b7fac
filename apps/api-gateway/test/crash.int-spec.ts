// Crash tests: the gateway process is killed (SIGKILL, no shutdown hooks) between accepting
// requests and handing them off, at each point of the acceptance pipeline and at a random
// moment under load. After a restart: every message answered 202 has its committed row and
// exactly one `sms.submitted.v1` record, every committed row has exactly one record (none is
// stuck without one), and no record is duplicated. Records without a row may exist: they
// belong to requests that got no 202, and downstream drops them after its grace period.
// Runs the built app (npx tsc -b apps/*/tsconfig.app.json) as a real process.
import { must, Topic } from '@sluice/contracts';
import { freePort, RunningApp, startApp, stopApp, testInfrastructure, waitUntilReady } from '@sluice/testing';
import { connectTestDatabase, createTestAccount, registerTestSender } from '@sluice/testing-data';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

interface Account {
  authId: string;
  authToken: string;
  src: string;
}

describe('crash between acceptance and Kafka hand-off', () => {
  const infra = testInfrastructure();
  const kafka = new Kafka({ clientId: 'gateway-crash-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  let db: DataSource;
  let running: RunningApp | null = null;

  beforeAll(async () => {
    db = await connectTestDatabase();
  });

  afterAll(async () => {
    if (running) await stopApp(running);
    await db?.destroy();
  });

  async function start(env: Record<string, string> = {}): Promise<RunningApp> {
    const app = startApp('api-gateway', await freePort(), {
      DATABASE_URL: infra.databaseUrl,
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      REDIS_URL: infra.redisUrl,
      LOG_LEVEL: 'warn',
      RETENTION_INTERVAL_MS: '0',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      ...env,
    });
    running = app;
    await waitUntilReady(app);
    return app;
  }

  async function newAccount(): Promise<Account> {
    const account = await createTestAccount(db);
    await db.query(`UPDATE accounts SET api_request_rate = 100000 WHERE auth_id = $1`, [account.authId]);
    return { ...account, src: await registerTestSender(db, account.authId) };
  }

  let seq = 0;
  /** One send of two destinations; resolves with the uuids on 202, or null on any failure (including a dead process). */
  async function send(app: RunningApp, account: Account): Promise<string[] | null> {
    seq += 1;
    const dst = [0, 1].map((i) => `1202${String(5_000_000 + ((Date.now() + seq * 2 + i) % 4_000_000)).padStart(7, '0')}`);
    try {
      const response = await fetch(`http://127.0.0.1:${app.port}/v1/Account/${account.authId}/Message/`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${account.authId}:${account.authToken}`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ src: account.src, dst: dst.join('<'), text: `crash test ${randomUUID()}` }),
      });
      if (response.status !== 202) return null;
      return ((await response.json()) as { message_uuid: string[] }).message_uuid;
    } catch {
      return null;
    }
  }

  /** Waves of concurrent sends until the process dies (or `waves` are done); the uuids answered 202. */
  async function sendWaves(app: RunningApp, account: Account, waves: number, perWave: number): Promise<{ accepted: string[]; failed: number }> {
    const accepted: string[] = [];
    let failed = 0;
    for (let wave = 0; wave < waves && app.process.exitCode === null && app.process.signalCode === null; wave += 1) {
      for (const result of await Promise.all(Array.from({ length: perWave }, () => send(app, account)))) {
        if (result) accepted.push(...result);
        else failed += 1;
      }
    }
    return { accepted, failed };
  }

  async function highWatermarks(): Promise<Array<{ partition: number; offset: string }>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(Topic.SmsSubmitted)).map((p) => ({ partition: p.partition, offset: p.high }));
    } finally {
      await admin.disconnect();
    }
  }

  /** Every sms.submitted record of the account written after `from`, counted per message uuid (a test consumer group). */
  async function submittedRecords(accountId: string, from: Array<{ partition: number; offset: string }>): Promise<Map<string, number>> {
    const until = new Map((await highWatermarks()).map((p) => [p.partition, BigInt(p.offset)]));
    const groupId = `gateway-crash-test-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId, topic: Topic.SmsSubmitted, partitions: from.map((p) => ({ partition: p.partition, offset: p.offset })) });
    await admin.disconnect();
    const counts = new Map<string, number>();
    const pending = new Set([...until].filter(([partition, high]) => high > BigInt(from.find((p) => p.partition === partition)?.offset ?? '0')).map(([partition]) => partition));
    if (pending.size === 0) return counts;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: Topic.SmsSubmitted });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const payload = JSON.parse(must(message.value, 'a record value').toString('utf8')) as { messageUuid: string; accountId: string };
              if (payload.accountId === accountId) counts.set(payload.messageUuid, (counts.get(payload.messageUuid) ?? 0) + 1);
              const high = until.get(batch.partition);
              if (high !== undefined && BigInt(message.offset) + 1n >= high) pending.delete(batch.partition);
            }
            if (pending.size === 0) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    return counts;
  }

  async function committedRows(accountId: string): Promise<Set<string>> {
    const rows: Array<{ message_uuid: string }> = await db.query(`SELECT message_uuid FROM messages WHERE account_id = $1`, [accountId]);
    return new Set(rows.map((r) => r.message_uuid));
  }

  /** The invariants that must hold whatever the moment of the crash. */
  async function verify(account: Account, accepted: readonly string[], from: Array<{ partition: number; offset: string }>) {
    const [rows, records] = await Promise.all([committedRows(account.authId), submittedRecords(account.authId, from)]);
    for (const uuid of accepted) {
      expect({ uuid, committed: rows.has(uuid), records: records.get(uuid) ?? 0 }).toEqual({ uuid, committed: true, records: 1 });
    }
    for (const uuid of rows) expect({ uuid, records: records.get(uuid) ?? 0 }).toEqual({ uuid, records: 1 });
    expect([...records.values()].every((n) => n === 1)).toBe(true);
    const orphans = [...records.keys()].filter((uuid) => !rows.has(uuid));
    const unanswered = [...rows].filter((uuid) => !accepted.includes(uuid));
    return { rows, records, orphans, unanswered };
  }

  it.each([
    ['before-produce', 'nothing of the batch is durable'],
    ['after-produce', 'the batch is in Kafka but has no rows'],
    ['after-commit', 'the batch is committed but nobody was answered'],
  ] as const)('keeps the guarantees when killed %s (%s)', async (failpoint, _window) => {
    const account = await newAccount();
    const from = await highWatermarks();
    const doomed = await start({ GATEWAY_FAILPOINT: failpoint, GATEWAY_FAILPOINT_BATCH: '3' });
    const before = await sendWaves(doomed, account, 8, 8);
    await doomed.exited;
    expect(doomed.process.signalCode).toBe('SIGKILL');
    expect(before.failed).toBeGreaterThan(0);

    const restarted = await start();
    const after = await sendWaves(restarted, account, 2, 8);
    expect(after.failed).toBe(0);
    await stopApp(restarted);

    const accepted = [...before.accepted, ...after.accepted];
    const { orphans, unanswered } = await verify(account, accepted, from);
    // The window the failpoint opened is visible afterwards.
    if (failpoint === 'after-produce') expect(orphans.length).toBeGreaterThan(0);
    if (failpoint === 'after-commit') expect(unanswered.length).toBeGreaterThan(0);
  });

  it('keeps the guarantees when killed at an arbitrary moment under load', async () => {
    const account = await newAccount();
    const from = await highWatermarks();
    const app = await start();
    const accepted: string[] = [];
    let answered = 0;
    // Sixteen senders in a loop; the process is killed once 40 sends have been answered, while others are in flight.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (app.process.signalCode === null) {
          const result = await send(app, account);
          if (result) accepted.push(...result);
          answered += 1;
          if (answered === 40) app.process.kill('SIGKILL');
          if (answered > 400) break;
        }
      }),
    );
    await app.exited;
    const restarted = await start();
    const after = await sendWaves(restarted, account, 1, 8);
    await stopApp(restarted);
    await verify(account, [...accepted, ...after.accepted], from);
  });
});
