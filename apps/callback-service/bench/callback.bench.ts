// Benchmark of callback-service against real Postgres and Kafka and local HTTP receivers:
//   1. burst: callbacks per second to fast receivers (each message queued → sent → delivered);
//   2. steady: latency from status event (published to Kafka) to callback received, at a fixed rate;
//   3. and 4. the same two while one endpoint never answers (every attempt runs into the timeout).
// Run: see apps/callback-service/README.md ("Benchmark"). Prints a Markdown table.
import { databaseEnv, kafkaEnv, loadConfig, positiveInt, z } from '@sluice/config';
import { MessageErrorCode, MessageState, SmsStatusPayload, Topic } from '@sluice/contracts';
import { AccountRepository, createDataSource } from '@sluice/persistence';
import { processCpuMs } from '@sluice/testing';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { DataSource } from 'typeorm';

const ROOT = resolve(__dirname, '../../..');

const benchEnv = databaseEnv.merge(kafkaEnv).extend({
  /** Messages in each burst; each makes three callbacks. */
  BENCH_MESSAGES: positiveInt('a positive whole number').default(2_000),
  /** Callbacks per second offered in the steady phases. */
  BENCH_RATE: positiveInt('a positive whole number').default(200),
  BENCH_SECONDS: positiveInt('a number of seconds').default(20),
  /** Healthy receivers (destinations); the accounts are spread over them. */
  BENCH_RECEIVERS: positiveInt('a positive whole number').default(8),
  /** Share of messages that go to the dead endpoint in phases 3 and 4, in percent. */
  BENCH_DEAD_PERCENT: z.coerce.number().min(0).max(90).default(10),
  BENCH_TIMEOUT_MS: positiveInt('a number of milliseconds').default(8_000),
  /** Which phases to run, comma-separated. */
  BENCH_PHASES: z
    .string()
    .default('burst,steady,burst-dead,steady-dead')
    .transform((v) => v.split(',').map((p) => p.trim()))
    .refine((phases) => phases.every((p) => ['burst', 'steady', 'burst-dead', 'steady-dead'].includes(p)), 'must list burst, steady, burst-dead, steady-dead'),
  CALLBACK_CONCURRENCY: positiveInt('a positive whole number').default(64),
  CALLBACK_DESTINATION_CONCURRENCY: positiveInt('a positive whole number').default(8),
});
type BenchConfig = z.output<typeof benchEnv>;

/** Addresses from the environment, else from `deploy/local/infra.sh up` (the `sluice_test` database). */
function infraEnv(): NodeJS.ProcessEnv {
  const file = join(process.env['SLUICE_DATA_DIR'] ?? join(ROOT, '.local'), 'infra.env');
  const fromFile: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^(?:export\s+)?([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match?.[1] !== undefined) fromFile[match[1]] = match[2] ?? '';
    }
  }
  const env = { ...fromFile, ...process.env };
  if (!process.env['DATABASE_URL'] && env['DATABASE_URL']) {
    const url = new URL(env['DATABASE_URL']);
    url.pathname = '/sluice_test';
    env['DATABASE_URL'] = url.toString();
  }
  return env;
}

interface Arrival {
  readonly at: number;
}

/** The healthy callbacks the current phase waits for, and how many of them have arrived. */
class PhaseTracker {
  expected = new Set<string>();
  arrived = 0;

  expect(events: readonly SmsStatusPayload[]): void {
    this.expected = new Set(events.map((e) => `${e.messageUuid}:${e.sequence}`));
    this.arrived = 0;
  }

  done(): boolean {
    return this.arrived >= this.expected.size;
  }
}

/** A customer endpoint: answers 200 at once, or never (dead). Records first arrivals and duplicates. */
class Receiver {
  readonly arrivals = new Map<string, Arrival>();
  duplicates = 0;
  private server: Server | null = null;
  private readonly held = new Set<ServerResponse>();

  constructor(
    readonly dead: boolean,
    private readonly tracker: PhaseTracker,
  ) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const params = new URLSearchParams(body);
        const key = `${params.get('MessageUUID')}:${params.get('Sequence')}`;
        if (this.arrivals.has(key)) this.duplicates += 1;
        else {
          this.arrivals.set(key, { at: Date.now() });
          if (this.tracker.expected.has(key)) this.tracker.arrived += 1;
        }
        if (this.dead) {
          this.held.add(res);
          res.on('close', () => this.held.delete(res));
        } else {
          res.writeHead(200).end('ok');
        }
      });
    });
    server.keepAliveTimeout = 60_000;
    this.server = server;
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}

class Fixture {
  private readonly producer: Producer;

  constructor(
    private readonly dataSource: DataSource,
    kafka: Kafka,
  ) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  /**
   * Creates messages as the gateway and dispatch would leave them (rows, history up to
   * `statuses`), in bulk, and returns their status events, unpublished.
   */
  async messages(accountIds: readonly string[], urls: readonly string[], count: number, statuses: 1 | 3): Promise<SmsStatusPayload[]> {
    const uuids = Array.from({ length: count }, () => randomUUID());
    const accounts = uuids.map((_, i) => accountIds[i % accountIds.length] ?? '');
    const targets = uuids.map((_, i) => urls[i % urls.length] ?? '');
    const now = new Date();
    const state = statuses === 3 ? 'delivered' : 'queued';
    await this.dataSource.query(
      `INSERT INTO messages (message_uuid, account_id, message_time, message_direction, message_state, message_type, from_number,
                             to_number, text, encoding, log_mode, units, total_rate, total_amount, error_code, message_expiry,
                             callback_url, callback_method, sequence, queued_at, sent_at, delivery_report_at, updated_at)
       SELECT u, a, $4::timestamptz, 'outbound', $5::text, 'sms', '14155550100', '1202555' || lpad((row_number() OVER ())::text, 4, '0'),
              NULL, 'GSM', 'true', 1, 0.005, 0.005, '000', 10800, url, 'POST', $6::int, $4::timestamptz,
              CASE WHEN $6::int > 1 THEN $4::timestamptz END, CASE WHEN $6::int > 1 THEN $4::timestamptz END, $4::timestamptz
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(u, a, url)`,
      [uuids, accounts, targets, now, state, statuses],
    );
    await this.dataSource.query(
      `INSERT INTO status_events (message_uuid, sequence, state, error_code, occurred_at)
       SELECT u, s.sequence, s.state, '000', $2::timestamptz
       FROM unnest($1::uuid[]) AS u,
            (VALUES (1, 'queued'), (2, 'sent'), (3, 'delivered')) AS s(sequence, state)
       WHERE s.sequence <= $3::int`,
      [uuids, now, statuses],
    );
    const states = ['queued', 'sent', 'delivered'] as const;
    return uuids.flatMap((messageUuid, i) =>
      states.slice(0, statuses).map((s, k) => ({
        messageUuid,
        accountId: accounts[i] ?? '',
        state: s,
        errorCode: '000' as const,
        sequence: k + 1,
        occurredAt: now.getTime(),
      })),
    );
  }

  async publish(events: readonly SmsStatusPayload[]): Promise<void> {
    for (let i = 0; i < events.length; i += 1_000) {
      await this.producer.send({
        topic: Topic.SmsStatus,
        acks: -1,
        messages: events.slice(i, i + 1_000).map((e) => ({ key: e.messageUuid, value: JSON.stringify(e) })),
      });
    }
  }
}

function startService(env: Record<string, string>): ChildProcess {
  mkdirSync(join(ROOT, 'tmp', 'bench'), { recursive: true });
  const log = createWriteStream(join(ROOT, 'tmp', 'bench', 'callback-service.log'), { flags: 'a' });
  const child = spawn(process.execPath, [join(ROOT, 'apps/callback-service/dist/main.js')], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

async function until(probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}


/** CPU used by the service process and by its Postgres backends (same machine), so cost can be compared across loads. */
interface CpuSample {
  readonly service: number | null;
  /** CPU ms per backend pid; a backend that ends between samples takes its share with it (slight undercount). */
  readonly backends: ReadonlyMap<number, number> | null;
}

class CpuMeter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly servicePid: number,
  ) {}

  async sample(): Promise<CpuSample> {
    const rows: Array<{ pid: number }> = await this.dataSource.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'callback-service'`);
    const backends = new Map<number, number>();
    for (const { pid } of rows) {
      const used = processCpuMs(Number(pid));
      if (used === null) return { service: processCpuMs(this.servicePid), backends: null };
      backends.set(Number(pid), used);
    }
    return { service: processCpuMs(this.servicePid), backends };
  }

  static serviceMs(before: CpuSample, after: CpuSample): number | null {
    return before.service === null || after.service === null ? null : after.service - before.service;
  }

  static postgresMs(before: CpuSample, after: CpuSample): number | null {
    if (!before.backends || !after.backends) return null;
    let used = 0;
    for (const [pid, ms] of after.backends) used += ms - (before.backends.get(pid) ?? 0);
    return used;
  }
}

interface PhaseResult {
  readonly name: string;
  readonly callbacks: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly serviceCpuMsPerCallback: number | null;
  readonly postgresCpuMsPerCallback: number | null;
  readonly loadAverage: number;
}

async function main(): Promise<void> {
  const config: BenchConfig = loadConfig('callback bench', benchEnv, infraEnv());
  const dataSource = await createDataSource({ url: config.DATABASE_URL, poolSize: 4, applicationName: 'callback-bench' }).initialize();
  const kafka = new Kafka({ clientId: 'callback-bench', brokers: config.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const fixture = new Fixture(dataSource, kafka);
  await fixture.connect();

  const tracker = new PhaseTracker();
  const healthy = Array.from({ length: config.BENCH_RECEIVERS }, () => new Receiver(false, tracker));
  const dead = new Receiver(true, tracker);
  const healthyUrls = await Promise.all(healthy.map((r) => r.start()));
  const deadUrl = await dead.start();

  const tokenKey = randomBytes(32);
  const repository = new AccountRepository(dataSource);
  const healthyAccounts = await Promise.all(healthy.map((_, i) => repository.create({ name: `bench-healthy-${i}`, tokenKey })));
  const deadAccount = await repository.create({ name: 'bench-dead', tokenKey });
  const allAccountIds = [...healthyAccounts.map((a) => a.authId), deadAccount.authId];

  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const service = startService({
    PORT: String(port),
    DATABASE_URL: config.DATABASE_URL,
    DATABASE_POOL_SIZE: '10',
    KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
    KAFKA_GROUP_ID: 'callback-bench',
    ACCOUNT_TOKEN_KEY: tokenKey.toString('base64'),
    CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
    CALLBACK_TIMEOUT_MS: String(config.BENCH_TIMEOUT_MS),
    CALLBACK_LEASE_MS: String(config.BENCH_TIMEOUT_MS + 10_000),
    CALLBACK_CONCURRENCY: String(config.CALLBACK_CONCURRENCY),
    CALLBACK_DESTINATION_CONCURRENCY: String(config.CALLBACK_DESTINATION_CONCURRENCY),
  });
  const results: PhaseResult[] = [];
  try {
    await until(
      async () => {
        if (service.exitCode !== null) throw new Error(`callback-service exited with ${service.exitCode}; see tmp/bench/callback-service.log`);
        return fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false);
      },
      60_000,
      'callback-service to be ready',
    );
    // Warm-up: the consumer joins its group, connections and plans get going.
    const warm = await fixture.messages(healthyAccounts.map((a) => a.authId), healthyUrls, 50, 1);
    tracker.expect(warm);
    await fixture.publish(warm);
    await until(() => tracker.done(), 120_000, 'the warm-up callbacks');

    const cpu = new CpuMeter(dataSource, service.pid ?? 0);
    const measure = (
      name: string,
      events: readonly SmsStatusPayload[],
      publishedAt: Map<string, number>,
      startedAt: number,
      cpuBefore: CpuSample,
      cpuAfter: CpuSample,
    ): PhaseResult => {
      const serviceMs = CpuMeter.serviceMs(cpuBefore, cpuAfter);
      const postgresMs = CpuMeter.postgresMs(cpuBefore, cpuAfter);
      const latencies: number[] = [];
      let last = startedAt;
      let missing = 0;
      for (const e of events) {
        const key = `${e.messageUuid}:${e.sequence}`;
        const arrival = healthy.map((r) => r.arrivals.get(key)).find((a) => a !== undefined);
        if (!arrival) {
          missing += 1;
          continue;
        }
        latencies.push(arrival.at - (publishedAt.get(key) ?? startedAt));
        last = Math.max(last, arrival.at);
      }
      latencies.sort((a, b) => a - b);
      const seconds = (last - startedAt) / 1_000;
      return {
        name,
        callbacks: latencies.length,
        seconds,
        perSecond: latencies.length / seconds,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? NaN,
        missing,
        duplicates: healthy.reduce((n, r) => n + r.duplicates, 0),
        serviceCpuMsPerCallback: serviceMs === null ? null : serviceMs / Math.max(1, latencies.length),
        postgresCpuMsPerCallback: postgresMs === null ? null : postgresMs / Math.max(1, latencies.length),
        loadAverage: loadavg()[0] ?? NaN,
      };
    };

    const burst = async (name: string, withDead: boolean): Promise<void> => {
      const deadCount = withDead ? Math.round((config.BENCH_MESSAGES * config.BENCH_DEAD_PERCENT) / 100) : 0;
      const deadEvents = deadCount > 0 ? await fixture.messages([deadAccount.authId], [deadUrl], deadCount, 3) : [];
      const events = await fixture.messages(healthyAccounts.map((a) => a.authId), healthyUrls, config.BENCH_MESSAGES, 3);
      tracker.expect(events);
      const cpuBefore = await cpu.sample();
      const startedAt = Date.now();
      // The dead endpoint's callbacks go first, so they are due ahead of everyone else's.
      await fixture.publish(deadEvents);
      await fixture.publish(events);
      const publishedAt = new Map(events.map((e) => [`${e.messageUuid}:${e.sequence}`, startedAt]));
      await until(() => tracker.done(), 600_000, `${name}: every healthy callback`);
      results.push(measure(name, events, publishedAt, startedAt, cpuBefore, await cpu.sample()));
    };

    const steady = async (name: string, withDead: boolean): Promise<void> => {
      const total = config.BENCH_RATE * config.BENCH_SECONDS;
      const events = await fixture.messages(healthyAccounts.map((a) => a.authId), healthyUrls, total, 1);
      const deadEvents = withDead ? await fixture.messages([deadAccount.authId], [deadUrl], Math.round((total * config.BENCH_DEAD_PERCENT) / 100), 1) : [];
      const publishedAt = new Map<string, number>();
      const tickMs = 20;
      const perTick = config.BENCH_RATE / (1_000 / tickMs);
      tracker.expect(events);
      const cpuBefore = await cpu.sample();
      const startedAt = Date.now();
      let sent = 0;
      let sentDead = 0;
      while (sent < events.length) {
        const due = Math.min(events.length, Math.floor(((Date.now() - startedAt) / tickMs + 1) * perTick));
        const batch = events.slice(sent, due);
        const deadDue = Math.min(deadEvents.length, Math.floor((due / events.length) * deadEvents.length));
        const deadBatch = deadEvents.slice(sentDead, deadDue);
        const now = Date.now();
        for (const e of batch) publishedAt.set(`${e.messageUuid}:${e.sequence}`, now);
        await fixture.publish([...deadBatch, ...batch]);
        sent = due;
        sentDead = deadDue;
        await sleep(Math.max(0, startedAt + ((sent / perTick) * tickMs) - Date.now()));
      }
      await until(() => tracker.done(), 600_000, `${name}: every healthy callback`);
      results.push(measure(name, events, publishedAt, startedAt, cpuBefore, await cpu.sample()));
    };

    const phases = new Set(config.BENCH_PHASES);
    if (phases.has('burst')) await burst('burst, healthy endpoints only', false);
    if (phases.has('steady')) await steady('steady rate, healthy endpoints only', false);
    if (phases.has('burst-dead')) await burst(`burst, with ${config.BENCH_DEAD_PERCENT}% of messages to an endpoint that never answers`, true);
    if (phases.has('steady-dead')) await steady(`steady rate, with ${config.BENCH_DEAD_PERCENT}% of messages to an endpoint that never answers`, true);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = (name: string) => metrics.split('\n').filter((l) => l.startsWith(name)).join('\n');
    process.stdout.write(
      [
        '',
        `callback-service benchmark on ${cpus().length} cores: ${config.BENCH_RECEIVERS} healthy receivers + 1 dead one, CALLBACK_CONCURRENCY ${config.CALLBACK_CONCURRENCY}, ` +
          `CALLBACK_DESTINATION_CONCURRENCY ${config.CALLBACK_DESTINATION_CONCURRENCY}, CALLBACK_TIMEOUT_MS ${config.BENCH_TIMEOUT_MS}, ` +
          `burst ${config.BENCH_MESSAGES} messages x 3 statuses, steady ${config.BENCH_RATE}/s for ${config.BENCH_SECONDS} s`,
        '',
        '| phase | healthy callbacks | seconds | callbacks/s | p50 ms | p99 ms | max ms | missing | duplicates | service CPU ms/callback | Postgres CPU ms/callback | load avg |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|',
        ...results.map(
          (r) =>
            `| ${r.name} | ${r.callbacks} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ` +
            `${r.missing} | ${r.duplicates} | ${r.serviceCpuMsPerCallback?.toFixed(2) ?? 'n/a'} | ${r.postgresCpuMsPerCallback?.toFixed(2) ?? 'n/a'} | ${r.loadAverage.toFixed(1)} |`,
        ),
        '',
        `dead endpoint: ${dead.arrivals.size} requests reached it (each held until the ${config.BENCH_TIMEOUT_MS} ms timeout)`,
        line('sluice_callback_attempts_total'),
        line('sluice_callback_open_circuits'),
        '',
      ].join('\n'),
    );
  } finally {
    service.kill('SIGTERM');
    await new Promise((done) => (service.exitCode !== null ? done(null) : service.once('exit', done)));
    // Nothing of the benchmark is left for a later service to send.
    await dataSource.query(`UPDATE callback_deliveries SET state = 'exhausted', finished_at = now() WHERE account_id = ANY($1) AND state = 'pending'`, [
      allAccountIds,
    ]);
    // Its messages left queued were never paced: ended as expired, no rate-governor's reconciler looks for their schedule.
    await dataSource.query(`UPDATE messages SET message_state = $2, error_code = $3, updated_at = now() WHERE account_id = ANY($1) AND message_state = $4`, [
      allAccountIds,
      MessageState.Failed,
      MessageErrorCode.Expired,
      MessageState.Queued,
    ]);
    await Promise.all([...healthy.map((r) => r.stop()), dead.stop(), fixture.disconnect()]);
    await dataSource.destroy();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
