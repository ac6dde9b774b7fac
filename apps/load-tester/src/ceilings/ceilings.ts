// Same-run ceilings: what this machine does with no Sluice logic in the way, so that the
// platform's figures can be read as ratios (a bare Fastify endpoint; raw Postgres inserts,
// Kafka produces and Redis commands shaped like the platform's).
import { Topic } from '@sluice/contracts';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Pool as PgPool } from 'pg';
import { Pool } from 'undici';
import { bareFastifyBuilt, closedLoop, LoopRun, SAMPLE_BODY, withBareFastify, withScratchTopic } from './closed-loop';

export interface Ceiling {
  readonly name: string;
  /** Operations per second. */
  readonly rate: number;
  readonly unit: string;
  readonly how: string;
}

export interface CeilingTargets {
  readonly databaseUrl?: string;
  readonly redisUrl?: string;
  readonly kafkaBrokers?: string;
  readonly seconds: number;
  readonly log: (line: string) => void;
}

const perSecond = (run: LoopRun): number => run.operations / run.seconds;

async function bareFastify(seconds: number): Promise<Ceiling | null> {
  if (!bareFastifyBuilt()) return null;
  return withBareFastify(async (port) => {
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64, pipelining: 1 });
    try {
      const run = await closedLoop(seconds, 64, async () => {
        const response = await pool.request({ method: 'POST', path: '/v1/Account/MA00000000000000000000/Message/', headers: { 'content-type': 'application/json' }, body: SAMPLE_BODY });
        await response.body.dump();
        return 1;
      });
      return { name: 'bare Fastify endpoint', rate: perSecond(run), unit: 'requests/s', how: 'same JSON body, 202 with the same shape; 64 keep-alive connections, closed loop' };
    } finally {
      await pool.close();
    }
  });
}

async function postgres(databaseUrl: string, seconds: number): Promise<Ceiling[]> {
  const table = `loadtest_ceiling_${randomUUID().slice(0, 8)}`;
  const pg = new PgPool({ connectionString: databaseUrl, max: 10, application_name: 'sluice-loadtest-ceiling' });
  const columns = `(message_uuid uuid PRIMARY KEY, account_id varchar(20) NOT NULL, from_number varchar(20) NOT NULL, to_number varchar(20) NOT NULL,
    text text, message_state varchar(12) NOT NULL, units smallint NOT NULL, total_amount numeric(12,5) NOT NULL, queued_at timestamptz NOT NULL)`;
  try {
    await pg.query(`CREATE TABLE ${table} ${columns}`);
    const row = (): unknown[] => [randomUUID(), 'MA00000000000000000000'.slice(0, 20), '14155550100', '12025550123', 'Your verification code is 123456', 'queued', 1, '0.00500', new Date()];
    const single = perSecond(await closedLoop(seconds, 10, async () => {
      await pg.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, row());
      return 1;
    }));
    const batched = perSecond(await closedLoop(seconds, 4, async () => {
      const rows = Array.from({ length: 100 }, row);
      const column = (i: number): unknown[] => rows.map((r) => r[i]);
      await pg.query(
        `INSERT INTO ${table} SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::text[], $6::varchar[], $7::smallint[], $8::numeric[], $9::timestamptz[])`,
        Array.from({ length: 9 }, (_, i) => column(i)),
      );
      return 100;
    }));
    return [
      { name: 'Postgres insert, one row a statement', rate: single, unit: 'rows/s', how: '10 connections, a message-shaped row, autocommit' },
      { name: 'Postgres insert, 100 rows a statement', rate: batched, unit: 'rows/s', how: '4 connections, unnest of 100 message-shaped rows' },
    ];
  } finally {
    await pg.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await pg.end();
  }
}

async function kafkaProduce(brokers: string, seconds: number): Promise<Ceiling> {
  return withScratchTopic(brokers, 'sluice-loadtest-ceiling', Topic.SmsSubmitted, async ({ topic, partitions, producer }) => {
    const value = JSON.stringify({ messageUuid: randomUUID(), accountId: 'MA00000000000000000000', type: 'sms', src: '14155550100', dst: '12025550123', text: 'Your verification code is 123456', encoding: 'GSM', units: 1, mediaUrls: [], log: 'true', acceptedAt: Date.now(), messageExpiry: 10800 });
    const rate = perSecond(await closedLoop(seconds, 4, async () => {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ key: `MA${i % 50}`, value })) });
      return 100;
    }));
    return { name: 'Kafka produce', rate, unit: 'records/s', how: `acks=all, idempotent, batches of 100 × ${value.length} B, 4 in flight, ${partitions} partitions` };
  });
}

async function redisCommands(redisUrl: string, seconds: number): Promise<Ceiling> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const key = `{loadtest:${randomUUID().slice(0, 8)}}:ceiling`;
  try {
    let member = 0;
    const rate = perSecond(await closedLoop(seconds, 64, async () => {
      member += 1;
      await redis.zadd(key, Date.now(), `m${member % 10_000}`);
      return 1;
    }));
    return { name: 'Redis ZADD', rate, unit: 'commands/s', how: 'one connection, 64 commands in flight (ioredis pipelines them)' };
  } finally {
    await redis.del(key).catch(() => undefined);
    redis.disconnect();
  }
}

export async function measureCeilings(targets: CeilingTargets): Promise<Ceiling[]> {
  const ceilings: Ceiling[] = [];
  const attempt = async (what: string, measure: () => Promise<Ceiling | Ceiling[] | null>): Promise<void> => {
    targets.log(`ceiling: ${what}…`);
    try {
      const result = await measure();
      if (result) ceilings.push(...(Array.isArray(result) ? result : [result]));
    } catch (error: unknown) {
      targets.log(`ceiling: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await attempt('bare Fastify', () => bareFastify(targets.seconds));
  const { databaseUrl, kafkaBrokers, redisUrl } = targets;
  if (databaseUrl) await attempt('Postgres', () => postgres(databaseUrl, targets.seconds));
  if (kafkaBrokers) await attempt('Kafka', () => kafkaProduce(kafkaBrokers, targets.seconds));
  if (redisUrl) await attempt('Redis', () => redisCommands(redisUrl, targets.seconds));
  return ceilings;
}
