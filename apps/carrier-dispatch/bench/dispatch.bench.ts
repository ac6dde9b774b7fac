// Benchmark of carrier-dispatch against the carrier-simulator over SMPP: submits per second
// through one and two dispatch processes, receipt processing, and lateness at the carrier
// against the booked slot. Runs the built apps as processes against the local infrastructure.
// Run: npm run bench:dispatch   (needs `deploy/local/infra.sh up`; uses the sluice_test database)
import { LogMode, MessageType, TextEncoding, must, type DispatchJob } from '@sluice/contracts';
import { createDataSource, AccountRepository } from '@sluice/persistence';
import { DispatchSchedule } from '@sluice/messaging';
import { freePort, percentile, printResults, startApp, stopApp, testInfrastructure, waitUntilReady, type RunningApp } from '@sluice/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

const infra = testInfrastructure();
const common = { DATABASE_URL: infra.databaseUrl, REDIS_URL: infra.redisUrl, KAFKA_BROKERS: infra.kafkaBrokers.join(','), LOG_LEVEL: 'warn' };


async function redisNow(redis: Redis): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1_000 + Math.floor(Number(us) / 1_000);
}

/** Inserts `count` queued messages and schedules them at the given due times. */
async function seed(dataSource: DataSource, schedule: DispatchSchedule, accountId: string, dueTimes: readonly number[]): Promise<string[]> {
  const uuids = dueTimes.map(() => randomUUID());
  const dsts = uuids.map((_, i) => `1202999${String(i % 10_000).padStart(4, '0')}`);
  await dataSource.query(
    `INSERT INTO messages (message_uuid, account_id, message_time, message_direction, message_state, message_type, from_number, to_number,
       encoding, log_mode, units, total_rate, total_amount, error_code, message_expiry, callback_method, queued_at, updated_at)
     SELECT u, $2, now(), 'outbound', 'queued', 'sms', '18885550100', d, 'GSM', 'false', 1, 0.005, 0.005, '000', 10800, 'POST', now(), now()
     FROM unnest($1::uuid[], $3::text[]) AS x(u, d)`,
    [uuids, accountId, dsts],
  );
  const jobs: DispatchJob[] = uuids.map((messageUuid, i) => ({
    dueAt: must(dueTimes[i], 'a due time'),
    // No window quotas: the benchmark measures the dispatcher, not the pacing.
    quota: { rootAccountId: accountId, windows: [] },
    message: {
      messageUuid,
      accountId,
      type: MessageType.Sms,
      src: '18885550100',
      dst: dsts[i],
      text: 'benchmark text of about sixty characters, one unit, GSM-7.',
      encoding: TextEncoding.Gsm7,
      units: 1,
      mediaUrls: [],
      log: LogMode.None,
      acceptedAt: Date.now(),
      messageExpiry: 10_800,
    },
  }));
  for (let i = 0; i < jobs.length; i += 500) await Promise.all(jobs.slice(i, i + 500).map((job) => schedule.put(job)));
  return uuids;
}

async function waitForStates(dataSource: DataSource, uuids: readonly string[], states: readonly string[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const rows: Array<{ n: number }> = await dataSource.query(
      `SELECT count(*)::int AS n FROM messages WHERE message_uuid = ANY($1::uuid[]) AND message_state = ANY($2::text[])`,
      [uuids, states],
    );
    if (must(rows[0], 'the count row').n === uuids.length) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not every message reached ${states.join('/')} within ${timeoutMs} ms`);
}

async function startDispatchers(count: number, smppPort: number): Promise<RunningApp[]> {
  const apps: RunningApp[] = [];
  for (let i = 0; i < count; i += 1) {
    apps.push(
      startApp('carrier-dispatch', await freePort(), {
        ...common,
        SMPP_PORT: String(smppPort),
        SMPP_SYSTEM_ID: 'sluice',
        SMPP_PASSWORD: 'sluice',
        SMPP_WINDOW: '100',
        SMPP_BINDS: '2',
        // DISPATCH_* settings from the benchmark's own environment, to compare them.
        ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('DISPATCH_') && e[1] !== undefined)),
      }),
    );
  }
  started.push(...apps);
  await Promise.all(apps.map((a) => waitUntilReady(a)));
  return apps;
}

const started: RunningApp[] = [];
process.on('exit', () => {
  for (const app of started) if (app.process.exitCode === null) app.process.kill('SIGKILL');
});

async function main(): Promise<void> {
  const dataSource = await createDataSource({ url: infra.databaseUrl, poolSize: 4 }).initialize();
  const redis = new Redis(infra.redisUrl);
  const schedule = new DispatchSchedule(redis);
  const { authId } = await new AccountRepository(dataSource).create({ name: 'dispatch-bench' });
  const smppPort = await freePort();
  const simulatorPort = await freePort();
  const simulator = startApp('carrier-simulator', simulatorPort, { SMPP_PORT: String(smppPort), RECEIPT_DELAY_MS: '0', LOG_LEVEL: 'warn' });
  started.push(simulator);
  await waitUntilReady(simulator);
  const rows: string[] = [];

  for (const processes of [1, 2]) {
    const n = 4_000;
    const now = await redisNow(redis);
    const dispatchers = await startDispatchers(processes, smppPort);
    // Jobs go on the schedule once every dispatcher is bound, so start-up is not counted.
    const uuids = await seed(dataSource, schedule, authId, Array.from({ length: n }, () => now));
    const begun = Date.now();
    const sent = await waitForStates(dataSource, uuids, ['sent', 'delivered'], 120_000);
    const delivered = await waitForStates(dataSource, uuids, ['delivered'], 120_000);
    rows.push(
      `| ${n.toLocaleString('en-US')} due at once, ${processes} dispatch process${processes > 1 ? 'es' : ''} (2 binds, window 100 each) | ${Math.round(n / ((sent - begun) / 1_000)).toLocaleString('en-US')} submits/s; all delivered ${((delivered - begun) / 1_000).toFixed(1)} s after the first due |`,
    );
    await Promise.all(dispatchers.map((d) => stopApp(d)));
  }

  // Lateness at the carrier: 2,000 jobs due over four seconds, one dispatcher already running.
  await fetch(`http://127.0.0.1:${simulatorPort}/simulator/reset`, { method: 'POST' });
  const dispatcher = must((await startDispatchers(1, smppPort))[0], 'the dispatcher');
  const start = (await redisNow(redis)) + 1_000;
  const dueTimes = Array.from({ length: 2_000 }, (_, i) => start + Math.floor(i * 2));
  const uuids = await seed(dataSource, schedule, authId, dueTimes);
  await waitForStates(dataSource, uuids, ['sent', 'delivered'], 120_000);
  const submissions = (await (await fetch(`http://127.0.0.1:${simulatorPort}/simulator/submissions?limit=100000`)).json()) as Array<{ destination: string; receivedAt: number }>;
  // Destinations repeat every 10,000, and this run has 2,000: each maps to one job.
  const dueByDestination = new Map(uuids.map((_, i) => [`1202999${String(i % 10_000).padStart(4, '0')}`, dueTimes[i]]));
  const lateness = submissions.map((s) => s.receivedAt - (dueByDestination.get(s.destination) ?? s.receivedAt)).sort((a, b) => a - b);
  rows.push(`| lateness at the carrier (arrival − slot), 2,000 jobs at 500/s | p50 ${percentile(lateness, 50)} ms, p99 ${percentile(lateness, 99)} ms, max ${lateness[lateness.length - 1]} ms |`);
  await stopApp(dispatcher);
  await stopApp(simulator);
  await redis.quit();
  await dataSource.destroy();
  printResults('carrier-dispatch', rows);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
