// Acceptance benchmark: accepted messages per second and latency of POST .../Message/ under an
// open-model load (arrivals on a fixed schedule, whatever the answers do), next to the ceiling
// of a bare Fastify server answering the same request on the same machine in the same run.
//
// Build and run (needs Postgres and Kafka, e.g. `deploy/local/infra.sh up`, migrated, topics created):
//   npx tsc -b apps/api-gateway/tsconfig.app.json && npx tsc -p apps/api-gateway/tsconfig.bench.json
//   node apps/api-gateway/dist-bench/bench/accept.bench.js
// DATABASE_URL, KAFKA_BROKERS and REDIS_URL default to `$SLUICE_DATA_DIR/infra.env` (or .local/infra.env),
// with the `sluice_test` database, as the tests use them.
// Options (env): BENCH_RATES=2000,4000,… (arrivals per second), BENCH_SECONDS=10 per step,
// BENCH_WARMUP_SECONDS=3, BENCH_CONNECTIONS=64, BENCH_DESTINATIONS=1 (numbers per request).
import Fastify from 'fastify';
import { ChildProcess, fork, spawn } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';

const ROOT = resolve(__dirname, '../../../..');
const ADMIN_TOKEN = `bench-admin-${randomUUID()}`;
const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const RATES = env('BENCH_RATES', '1000,2000,4000,6000,8000,10000,12000').split(',').map(Number);
const SECONDS = Number(env('BENCH_SECONDS', '10'));
const WARMUP_SECONDS = Number(env('BENCH_WARMUP_SECONDS', '3'));
const CONNECTIONS = Number(env('BENCH_CONNECTIONS', '512'));
const DESTINATIONS = Number(env('BENCH_DESTINATIONS', '1'));
/** Arrivals beyond this many unanswered requests are counted as failed instead of sent (the server has fallen over). */
const MAX_OUTSTANDING = 20_000;

interface StepResult {
  readonly target: number;
  readonly accepted: number;
  readonly failed: number;
  /** Failures by cause: an HTTP status, `error` (no answer) or `not sent` (too many unanswered). */
  readonly causes: Readonly<Record<string, number>>;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The comparison point: Fastify parsing the same JSON body and answering 202 with the same shape. */
async function bareFastifyServer(): Promise<void> {
  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  app.post('/v1/Account/:authId/Message/', async (_request, reply) =>
    reply.code(202).send({ api_id: randomUUID(), message: 'message(s) queued', message_uuid: [randomUUID()] }),
  );
  await app.listen({ port: Number(process.env['PORT']), host: '127.0.0.1' });
  process.send?.('ready');
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

let numberSeq = 0;
function destination(): string {
  numberSeq = (numberSeq + 1) % 10_000;
  // Spread over the carrier-prefix table's area codes.
  const area = ['202', '303', '212', '415', '646', '201'][numberSeq % 6];
  return `1${area}555${String(numberSeq).padStart(4, '0')}`;
}

/** The bench account's sender number (a send's src must be a number of the account). */
const SENDER = `1415${randomInt(200, 1_000)}${String(randomInt(10_000)).padStart(4, '0')}`;

/**
 * Fires `rate` requests per second for `seconds` on a fixed schedule. Latency is measured
 * from each request's scheduled time, so a stalled server shows up as latency rather than
 * as a slower arrival rate (no coordinated omission).
 */
async function openModelStep(pool: Pool, path: string, auth: string, rate: number, seconds: number): Promise<StepResult> {
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  let completed = 0;
  let accepted = 0;
  let failed = 0;
  const causes: Record<string, number> = {};
  const fail = (cause: string): void => {
    failed += 1;
    causes[cause] = (causes[cause] ?? 0) + 1;
  };
  let outstanding = 0;
  let issued = 0;
  const start = performance.now();
  await new Promise<void>((done) => {
    const finish = (): void => {
      completed += 1;
      if (completed === total) done();
    };
    const fire = (scheduledAt: number): void => {
      if (outstanding >= MAX_OUTSTANDING) {
        fail('not sent');
        finish();
        return;
      }
      outstanding += 1;
      const body = JSON.stringify({
        src: SENDER,
        dst: Array.from({ length: DESTINATIONS }, destination).join('<'),
        text: 'Your verification code is 123456',
      });
      pool
        .request({ method: 'POST', path, headers: { authorization: auth, 'content-type': 'application/json' }, body })
        .then(async (response) => {
          await response.body.dump();
          if (response.statusCode === 202) {
            latencies[accepted] = performance.now() - scheduledAt;
            accepted += 1;
          } else fail(String(response.statusCode));
        })
        .catch(() => fail('error'))
        .finally(() => {
          outstanding -= 1;
          finish();
        });
    };
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (issued < due) {
        fire(start + (issued / rate) * 1000);
        issued += 1;
      }
      if (issued < total) setTimeout(tick, 1);
    };
    tick();
  });
  const elapsed = (performance.now() - start) / 1000;
  const sorted = latencies.subarray(0, accepted).sort();
  return {
    target: rate,
    accepted: (accepted * DESTINATIONS) / elapsed,
    failed,
    causes,
    seconds: elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runSeries(name: string, origin: string, path: string, auth: string): Promise<StepResult[]> {
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 30_000 });
  try {
    await openModelStep(pool, path, auth, Math.min(RATES[0] ?? 1000, 2000), WARMUP_SECONDS);
    const results: StepResult[] = [];
    for (const rate of RATES) {
      const result = await openModelStep(pool, path, auth, rate, SECONDS);
      results.push(result);
      process.stderr.write(
        `${name} target ${rate}/s: accepted ${Math.round(result.accepted)} msg/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, failed ${result.failed}\n`,
      );
      // Give queues a moment to drain so steps do not bleed into each other.
      await new Promise((r) => setTimeout(r, 1_000));
    }
    return results;
  } finally {
    await pool.close();
  }
}

function table(name: string, results: readonly StepResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${name} | ${r.target.toLocaleString('en-US')} | ${Math.round(r.accepted).toLocaleString('en-US')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(0)} | ${r.failed}${
        r.failed ? ` (${Object.entries(r.causes).map(([cause, n]) => `${cause}: ${n}`).join(', ')})` : ''
      } |`,
  );
  return rows.join('\n');
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/** The local infrastructure's addresses when the environment gives none (the test database, not the dev one). */
function infrastructureDefaults(): Record<string, string> {
  const file = join(process.env['SLUICE_DATA_DIR'] ?? join(ROOT, '.local'), 'infra.env');
  if (!existsSync(file)) return {};
  const values = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.replace(/^export\s+/, '').trim())
      .filter((line) => line.includes('=') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  if (values['DATABASE_URL']) {
    const url = new URL(values['DATABASE_URL']);
    url.pathname = '/sluice_test';
    values['DATABASE_URL'] = url.toString();
  }
  return values;
}

async function main(): Promise<void> {
  for (const [key, value] of Object.entries(infrastructureDefaults())) process.env[key] ??= value;
  for (const key of ['DATABASE_URL', 'KAFKA_BROKERS']) {
    if (!process.env[key]) throw new Error(`${key} must be set (see the header of this file)`);
  }
  const barePort = 18_190 + Math.floor(Math.random() * 100);
  const gatewayPort = barePort + 200;
  const bare = fork(__filename, ['--bare-fastify-server'], { env: { ...process.env, PORT: String(barePort) }, stdio: 'inherit' });
  await new Promise<void>((r) => bare.once('message', () => r()));
  const gateway = spawn(process.execPath, [join(ROOT, 'apps/api-gateway/dist/main.js')], {
    env: {
      ...process.env,
      PORT: String(gatewayPort),
      LOG_LEVEL: env('BENCH_GATEWAY_LOG_LEVEL', 'warn'),
      ADMIN_TOKEN,
      RETENTION_INTERVAL_MS: '0',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitForHttp(`http://127.0.0.1:${gatewayPort}/health/ready`);
    const created = await fetch(`http://127.0.0.1:${gatewayPort}/admin/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'accept-bench', api_request_rate: 1_000_000 }),
    });
    const account = (await created.json()) as { auth_id: string; auth_token: string };
    await fetch(`http://127.0.0.1:${gatewayPort}/admin/v1/numbers/${SENDER}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: account.auth_id, country: 'US', number_type: 'toll_free', verified: true }),
    });
    const auth = `Basic ${Buffer.from(`${account.auth_id}:${account.auth_token}`).toString('base64')}`;
    const path = `/v1/Account/${account.auth_id}/Message/`;

    const bareResults = await runSeries('bare Fastify', `http://127.0.0.1:${barePort}`, path, auth);
    const gatewayResults = await runSeries('api-gateway', `http://127.0.0.1:${gatewayPort}`, path, auth);

    const cpu = cpus();
    process.stdout.write(
      [
        `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, load average before ${loadavg()[0].toFixed(2)}`,
        `Open model: arrivals at a fixed rate for ${SECONDS} s per step (after ${WARMUP_SECONDS} s warm-up), undici Pool with ${CONNECTIONS} keep-alive connections, ${DESTINATIONS} destination(s) per request; latency from the scheduled arrival time.`,
        '',
        '| server | target req/s | accepted msg/s | p50 ms | p99 ms | max ms | failed |',
        '|---|---|---|---|---|---|---|',
        table('bare Fastify', bareResults),
        table('api-gateway', gatewayResults),
        '',
      ].join('\n'),
    );
  } finally {
    await Promise.all([stop(gateway), stop(bare)]);
  }
}

if (process.argv.includes('--bare-fastify-server')) {
  void bareFastifyServer();
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
