// Cost per job of the callback work queue: the Postgres table callback-service uses today
// (CallbackDeliveryRepository: enqueue, claim, complete, driven as the consumer and the
// delivery worker drive them) against BullMQ on Redis (Queue.addBulk and a Worker), each with
// every delivery succeeding and with 10% failing once and retried after a delay.
// Run: see ../README.md. Prints one JSON line per run and a Markdown table of medians.
'use strict';
const { randomUUID } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const bullmq = require('bullmq');
const IORedis = require('ioredis');
const { Client } = require('pg');
const { ROOT, infraEnv, procCpuMs, postgresCpuMs, redisPid, nodeCpuMs, load, measured, sleep, median } = require('./measure');

// The project's compiled repository code; it resolves typeorm and pg from the root's node_modules.
const persistence = require(join(ROOT, 'libs/persistence/dist'));

const env = infraEnv();
const N = Number(env.BENCH_JOBS ?? 20_000);
const RUNS = Number(env.BENCH_RUNS ?? 3);
const VARIANTS = (env.BENCH_VARIANTS ?? 'postgres,bullmq,postgres-retry,bullmq-retry').split(',');
/** A Kafka batch as the status consumer hands it to CallbackQueue.enqueue, and the consumer's partitionsConsumedConcurrently. */
const ENQUEUE_BATCH = 500;
const ENQUEUE_LANES = 4;
/** callback-service defaults: CALLBACK_CONCURRENCY, CALLBACK_DESTINATION_CONCURRENCY, CALLBACK_LEASE_MS, CALLBACK_POLL_MS; ResultWriter's batch. */
const CONCURRENCY = 64;
const PER_DESTINATION = 8;
const LEASE_MS = 30_000;
const POLL_MS = 250;
const RESULT_BATCH = 500;
const DESTINATIONS = 8;
const RETRY_DELAY_MS = 1_000;
const FAIL_EVERY = 10;
const REDIS_DB = Number(env.BENCH_REDIS_DB ?? 11);
const RETRY_DELAYS = [60_000, 120_000, 240_000];

const urls = Array.from({ length: DESTINATIONS }, (_, i) => `http://receiver-${i}.example:8080/status`);
const destinationOf = (url) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
};

async function inLanes(items, lanes, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

function chunks(items, size) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------- Postgres

class PostgresQueue {
  constructor(url) {
    this.url = url;
  }

  async open() {
    this.dataSource = persistence.createDataSource({ url: this.url, poolSize: 10, applicationName: 'bench-decisions' });
    await this.dataSource.initialize();
    this.repo = new persistence.CallbackDeliveryRepository(this.dataSource);
    const [account] = await this.dataSource.query(
      `INSERT INTO accounts (auth_id, name, auth_token_sha256, sms_mps, mms_mps, enabled)
       VALUES ('MABENCHDECISIONS0001', 'bench', repeat('0', 64), 5, 0.25, true)
       ON CONFLICT (auth_id) DO UPDATE SET name = excluded.name RETURNING auth_id`,
    );
    this.accountId = account.auth_id;
  }

  async close() {
    await this.dataSource.destroy();
  }

  /** Pids of this pool's backends, every connection opened. */
  async backendPids() {
    await Promise.all(Array.from({ length: 10 }, () => this.dataSource.query('SELECT pg_sleep(0.05)')));
    const rows = await this.dataSource.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'bench-decisions'`);
    return rows.map((r) => Number(r.pid));
  }

  /** Messages as dispatch leaves them (one `queued` status each, a callback url), and their status events. */
  async seed(count) {
    await this.dataSource.query('TRUNCATE callback_attempts, callback_deliveries, status_events, messages CASCADE');
    const uuids = Array.from({ length: count }, () => randomUUID());
    const now = new Date();
    for (const part of chunks(uuids, 5_000)) {
      await this.dataSource.query(
        `INSERT INTO messages (message_uuid, account_id, message_time, message_direction, message_state, message_type, from_number,
                               to_number, text, encoding, log_mode, units, total_rate, total_amount, error_code, message_expiry,
                               callback_url, callback_method, sequence, queued_at, updated_at)
         SELECT u, $2, $3::timestamptz, 'outbound', 'queued', 'sms', '14155550100', '1202555' || lpad(((row_number() OVER ()) % 10000)::text, 4, '0'),
                NULL, 'GSM', 'true', 1, 0.005, 0.005, '000', 10800, ($4::text[])[1 + (row_number() OVER ()) % ${DESTINATIONS}], 'POST', 1, $3::timestamptz, $3::timestamptz
         FROM unnest($1::uuid[]) AS u`,
        [part, this.accountId, now, urls],
      );
      await this.dataSource.query(
        `INSERT INTO status_events (message_uuid, sequence, state, error_code, occurred_at) SELECT u, 1, 'queued', '000', $2::timestamptz FROM unnest($1::uuid[]) AS u`,
        [part, now],
      );
    }
    await this.dataSource.query('VACUUM ANALYZE messages, status_events, callback_deliveries, callback_attempts');
    return uuids.map((messageUuid) => ({ messageUuid, sequence: 1, state: 'queued' }));
  }

  /** CallbackQueue.enqueue for one consumed batch: the urls, then one insert. */
  async enqueueBatch(events) {
    const urlsByUuid = await this.repo.callbackUrls(events.map((e) => e.messageUuid));
    const items = events.map((e) => ({ messageUuid: e.messageUuid, sequence: e.sequence, destination: destinationOf(urlsByUuid.get(e.messageUuid)) }));
    const { created } = await this.repo.enqueue(items, RETRY_DELAYS);
    return created.size;
  }

  /**
   * DeliveryWorker with a receiver that answers at once: claims as many as the pool has room
   * for, each "attempt" ends immediately, results go back through a group-committing writer
   * (ResultWriter), and an empty claim waits for the poll interval.
   */
  async drain(total, failing) {
    let finished = 0;
    let claims = 0;
    let writes = 0;
    let claimMs = 0;
    let completeMs = 0;
    const results = [];
    let writing = null;
    const write = () => {
      if (writing) return;
      writing = (async () => {
        await Promise.resolve();
        while (results.length > 0) {
          const batch = results.splice(0, RESULT_BATCH);
          const startedAt = performance.now();
          const { applied } = await this.repo.complete(batch);
          completeMs += performance.now() - startedAt;
          writes += 1;
          if (applied !== batch.length) throw new Error(`only ${applied} of ${batch.length} results applied`);
          finished += batch.filter((r) => r.next.state !== 'pending').length;
        }
      })().finally(() => {
        writing = null;
        if (results.length > 0) write();
      });
    };
    while (finished < total) {
      const startedAt = performance.now();
      const claimed = await this.repo.claim({ limit: CONCURRENCY, excluded: [], limited: new Map(), perDestination: PER_DESTINATION, leaseMs: LEASE_MS });
      claimMs += performance.now() - startedAt;
      claims += 1;
      const attemptedAt = new Date();
      for (const d of claimed) {
        const fail = d.attempts === 0 && failing.has(d.messageUuid);
        results.push({
          id: d.id,
          claims: d.claims,
          attempt: d.attempts + 1,
          attemptedAt,
          httpStatus: fail ? 503 : 200,
          latencyMs: 1,
          error: fail ? 'HTTP 503' : null,
          succeeded: !fail,
          next: fail ? { state: 'pending', delayMs: RETRY_DELAY_MS } : { state: 'delivered' },
        });
      }
      if (claimed.length > 0) write();
      else {
        if (writing) await writing;
        if (finished < total) await sleep(POLL_MS);
      }
    }
    if (writing) await writing;
    return { claims, writes, claimMs: Math.round(claimMs), completeMs: Math.round(completeMs) };
  }
}

async function withScratchDatabase(fn) {
  const admin = new Client({ connectionString: env.DATABASE_URL });
  await admin.connect();
  const name = `sluice_bench_decisions_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  try {
    execFileSync(process.execPath, [join(ROOT, 'libs/persistence/dist/cli/migrate.js')], { env: { ...process.env, DATABASE_URL: url.toString() }, stdio: ['ignore', 'ignore', 'inherit'] });
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function runPostgres(queue, withRetries) {
  const events = await queue.seed(N);
  const failing = new Set(withRetries ? events.filter((_, i) => i % FAIL_EVERY === 0).map((e) => e.messageUuid) : []);
  const backends = await queue.backendPids();
  const probes = {
    node: nodeCpuMs,
    postgres: postgresCpuMs,
    backends: () => backends.reduce((sum, pid) => sum + procCpuMs(pid), 0),
    // Not used by this variant: what it shows is other clients' load.
    redis: () => procCpuMs(redisPid()),
  };
  const enqueue = await measured(probes, async () => {
    let created = 0;
    await inLanes(chunks(events, ENQUEUE_BATCH), ENQUEUE_LANES, async (batch) => {
      const made = await queue.enqueueBatch(batch);
      created += made;
    });
    if (created !== N) throw new Error(`enqueued ${created} of ${N}`);
  });
  const drain = await measured(probes, () => queue.drain(N, failing));
  return { enqueue, drain, detail: drain.value, backendCount: backends.length };
}

// ---------------------------------------------------------------------------------- BullMQ

/** BullMQ 6's PostgreSQL backend, in its own schema of the scratch database. */
const postgresBullmq = bullmq.withBackend(bullmq.createPostgresBackend);

async function runBullmq(withRetries, postgresUrl) {
  const onPostgres = postgresUrl !== undefined;
  const { Queue, Worker } = onPostgres ? postgresBullmq : bullmq;
  const connection = onPostgres
    ? { connectionString: postgresUrl, schema: 'bullmq', migrate: true, max: 10, application_name: 'bench-decisions-bullmq' }
    : { host: '127.0.0.1', port: Number(new URL(env.REDIS_URL).port), db: REDIS_DB, maxRetriesPerRequest: null };
  const redis = onPostgres ? null : new IORedis(connection);
  await redis?.flushdb();
  const name = `callbacks${Date.now()}`;
  const queue = new Queue(name, { connection });
  await queue.waitUntilReady();
  const redisServer = redisPid();
  // The store a variant does not use shows other clients' load.
  const probes = { node: nodeCpuMs, redis: () => procCpuMs(redisServer), postgres: postgresCpuMs };
  const now = Date.now();
  // What a job would carry so the worker needs nothing else: the callback's parameters.
  const jobs = Array.from({ length: N }, (_, i) => ({
    name: 'status',
    data: {
      messageUuid: randomUUID(),
      sequence: 1,
      accountId: 'MABENCHDECISIONS0001',
      status: 'queued',
      errorCode: '000',
      url: urls[i % DESTINATIONS],
      method: 'POST',
      destination: destinationOf(urls[i % DESTINATIONS]),
      occurredAt: now,
      from: '14155550100',
      to: `1202555${String(i % 10_000).padStart(4, '0')}`,
      units: 1,
      totalRate: '0.00500',
      totalAmount: '0.00500',
      messageTime: now,
      fail: withRetries && i % FAIL_EVERY === 0,
    },
    opts: withRetries ? { attempts: 2, backoff: { type: 'fixed', delay: RETRY_DELAY_MS } } : { attempts: 1 },
  }));
  const enqueue = await measured(probes, () => inLanes(chunks(jobs, ENQUEUE_BATCH), ENQUEUE_LANES, (batch) => queue.addBulk(batch)));
  let failedAttempts = 0;
  const drain = await measured(probes, async () => {
    let completed = 0;
    let worker;
    await new Promise((resolve, reject) => {
      worker = new Worker(
        name,
        async (job) => {
          if (job.data.fail && job.attemptsMade === 0) throw new Error('HTTP 503');
        },
        { connection, concurrency: CONCURRENCY },
      );
      worker.on('completed', () => {
        if (++completed === N) resolve();
      });
      worker.on('failed', (job) => {
        failedAttempts += 1;
        if (job && job.attemptsMade >= 2) reject(new Error(`job ${job.id} failed for good`));
      });
      worker.on('error', reject);
    });
    await worker.close();
  });
  const counts = await queue.getJobCounts('completed', 'failed', 'delayed', 'wait', 'active');
  if (onPostgres) await queue.obliterate({ force: true });
  await queue.close();
  await redis?.flushdb();
  await redis?.quit();
  return { enqueue, drain, detail: { failedAttempts, counts } };
}

// ---------------------------------------------------------------------------------- main

function summarise(variant, run, result) {
  const perJob = (ms) => Math.round((ms / N) * 1000) / 1000;
  const row = { variant, run, load: load(), N };
  for (const phase of ['enqueue', 'drain']) {
    const p = result[phase];
    row[`${phase}JobsPerS`] = Math.round(N / (p.wallMs / 1000));
    for (const [k, v] of Object.entries(p.cpuMs)) row[`${phase}_${k}CpuMsPerJob`] = perJob(v);
  }
  row.totalJobsPerS = Math.round(N / ((result.enqueue.wallMs + result.drain.wallMs) / 1000));
  for (const k of Object.keys(result.enqueue.cpuMs)) row[`total_${k}CpuMsPerJob`] = perJob(result.enqueue.cpuMs[k] + result.drain.cpuMs[k]);
  row.detail = result.detail;
  if (result.backendCount !== undefined) row.backendCount = result.backendCount;
  return row;
}

async function main() {
  console.error(`callbacks bench: N=${N}, runs=${RUNS}, variants=${VARIANTS.join(',')}, load average ${load()}`);
  const rows = [];
  await withScratchDatabase(async (url) => {
    const pg = new PostgresQueue(url);
    await pg.open();
    try {
      for (let run = 1; run <= RUNS; run += 1) {
        for (const variant of VARIANTS) {
          const retries = variant.endsWith('-retry');
          const result = variant.startsWith('postgres')
            ? await runPostgres(pg, retries)
            : await runBullmq(retries, variant.startsWith('bullmq-postgres') ? url : undefined);
          const row = summarise(variant, run, result);
          rows.push(row);
          console.log(JSON.stringify(row));
          await sleep(2_000);
        }
      }
    } finally {
      await pg.close();
    }
  });
  const cols = [
    ['enqueue jobs/s', 'enqueueJobsPerS'],
    ['drain jobs/s', 'drainJobsPerS'],
    ['Node CPU ms/job', 'total_nodeCpuMsPerJob'],
    ['Postgres (all) CPU ms/job', 'total_postgresCpuMsPerJob'],
    ['own backends CPU ms/job', 'total_backendsCpuMsPerJob'],
    ['redis-server CPU ms/job', 'total_redisCpuMsPerJob'],
  ];
  console.log(`\n| variant | ${cols.map((c) => c[0]).join(' | ')} |\n|---|${cols.map(() => '---:').join('|')}|`);
  for (const variant of VARIANTS) {
    const mine = rows.filter((r) => r.variant === variant);
    const cell = (key) => (mine[0][key] === undefined ? '–' : `${median(mine.map((r) => r[key]))} (${mine.map((r) => r[key]).join(', ')})`);
    console.log(`| ${variant} | ${cols.map(([, k]) => cell(k)).join(' | ')} |`);
  }
  console.error(`done, load average ${load()}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
