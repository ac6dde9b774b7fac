// MDR export benchmark: fills a scratch database with BENCH_ROWS messages (default 10 million)
// of one account, starts the built gateway on it, downloads
// `GET /v1/Account/{auth_id}/Message/export/` once, and samples the gateway process while it
// streams: rows per second, resident memory (start, peak, and at every million rows) and CPU.
//
//   npm run bench:export
// DATABASE_URL and KAFKA_BROKERS default to `$SLUICE_DATA_DIR/infra.env` (or .local/infra.env).
// It creates (and at the end drops, unless BENCH_KEEP=1) the database `sluice_export_bench` on that
// server; with BENCH_REUSE=1 an existing one of the right size is used as it is.
import 'reflect-metadata';
import { ENTITIES, MessageEntity, MIGRATIONS } from '@sluice/persistence';
import { processCpuMs } from '@sluice/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { bulkLoadMessages } from './bulk-load';

const ROOT = resolve(__dirname, '../../../..');
const ROWS = Number(process.env['BENCH_ROWS'] ?? 10_000_000);
const CHUNK = 1_000_000;
const DB = 'sluice_export_bench';
const ADMIN_TOKEN = `bench-admin-${randomUUID()}`;
const SAMPLE_MS = 200;

/** The local infrastructure's addresses when the environment gives none. */
function infrastructureDefaults(): Record<string, string> {
  const file = join(process.env['SLUICE_DATA_DIR'] ?? join(ROOT, '.local'), 'infra.env');
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.replace(/^export\s+/, '').trim())
      .filter((line) => line.includes('=') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

function databaseUrl(database: string): string {
  const u = new URL(process.env['DATABASE_URL'] ?? '');
  u.pathname = `/${database}`;
  return u.toString();
}

/** Resident set size in bytes and CPU seconds (user + system) of a process, from /proc. */
function processUsage(pid: number): { rss: number; cpu: number } | null {
  try {
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    const cpuMs = processCpuMs(pid);
    return cpuMs === null ? null : { rss: rssKb * 1024, cpu: cpuMs / 1_000 };
  } catch {
    return null;
  }
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * ROWS messages of one account over 90 days, in time order, as the gateway stores them: one in
 * ten sent with log=false (no text, number cut short), one in ten with a text that CSV must
 * quote (comma, quotes, a line break); most delivered, some failed with a code.
 */
async function fill(ds: DataSource, authId: string): Promise<void> {
  // Only the indexes the export and the list read are built again.
  const read = ['messages_root_time_idx', 'messages_account_time_idx'];
  await bulkLoadMessages(ds, {
    rows: ROWS,
    chunk: CHUNK,
    rebuild: (name) => read.includes(name),
    insert: async (from, to) => {
      await ds.query(
        `INSERT INTO messages (message_uuid, account_id, root_account_id, message_time, message_direction, message_state, message_type,
                               from_number, to_number, text, encoding, log_mode, units, total_rate, total_amount, error_code,
                               message_expiry, callback_method, sequence, queued_at, sent_at, updated_at, mcc, mnc, destination_country)
         SELECT gen_random_uuid(), $3, $3, t, 'outbound',
                CASE WHEN i % 100 < 3 THEN 'failed' WHEN i % 100 < 8 THEN 'sent' ELSE 'delivered' END,
                CASE WHEN i % 20 = 3 THEN 'mms' ELSE 'sms' END,
                '14155550100',
                CASE WHEN i % 10 = 0 THEN '12025550***' ELSE '1202' || lpad((i % 10000000)::text, 7, '0') END,
                CASE WHEN i % 10 = 0 THEN NULL
                     WHEN i % 10 = 1 THEN 'Hi ' || i || ', your order "' || (i % 997) || E'" has shipped.\nReply STOP to opt out'
                     ELSE 'Your verification code is ' || lpad((i % 1000000)::text, 6, '0') END,
                'GSM', CASE WHEN i % 10 = 0 THEN 'false' ELSE 'true' END, 1,
                CASE WHEN i % 100 < 3 THEN 0 ELSE 0.005 END, CASE WHEN i % 100 < 3 THEN 0 ELSE 0.005 END,
                CASE WHEN i % 100 < 3 THEN (ARRAY['420', '30', '120'])[i % 3 + 1] ELSE '000' END,
                10800, 'POST', 3, t, CASE WHEN i % 100 >= 3 THEN t + interval '1 second' END, t + interval '5 seconds', '310', '260', 'US'
         FROM generate_series($1::bigint, $2::bigint) i,
              LATERAL (SELECT now() - interval '90 days' + (i::float8 / $4) * interval '90 days' AS t) tt`,
        [from, to, authId, ROWS],
      );
    },
  });
}

interface Sample {
  readonly at: number;
  readonly rows: number;
  readonly rss: number;
  readonly cpu: number;
}

/** Downloads the export, counting records as they arrive: each ends with CR LF, and no text here holds a CR. */
function download(url: string, authorization: string, onProgress: (rows: number) => void): Promise<{ rows: number; bytes: number; status: number; firstByteMs: number }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    let firstByteMs = NaN;
    const request = get(url, { headers: { authorization }, agent: false }, (response) => {
      let rows = -1; // the header row
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - started;
        bytes += chunk.length;
        for (let i = chunk.indexOf(0x0d); i !== -1; i = chunk.indexOf(0x0d, i + 1)) rows += 1;
        onProgress(rows);
      });
      response.on('end', () => resolvePromise({ rows, bytes, status: response.statusCode ?? 0, firstByteMs }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function main(): Promise<void> {
  for (const [key, value] of Object.entries(infrastructureDefaults())) process.env[key] ??= value;
  for (const key of ['DATABASE_URL', 'KAFKA_BROKERS']) if (!process.env[key]) throw new Error(`${key} must be set (see the header of this file)`);
  const server = new DataSource({ type: 'postgres', url: databaseUrl('postgres') });
  await server.initialize();
  const reuse = process.env['BENCH_REUSE'] === '1' && (await server.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DB])).length > 0;
  if (!reuse) {
    await server.query(`DROP DATABASE IF EXISTS ${DB}`);
    await server.query(`CREATE DATABASE ${DB}`);
  }
  const ds = new DataSource({ type: 'postgres', url: databaseUrl(DB), entities: ENTITIES, migrations: MIGRATIONS });
  const port = 18_500 + Math.floor(Math.random() * 400);
  let gateway: ChildProcess | null = null;
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'all' });
    gateway = spawn(process.execPath, [join(ROOT, 'apps/api-gateway/dist/main.js')], {
      env: { ...process.env, DATABASE_URL: databaseUrl(DB), PORT: String(port), LOG_LEVEL: 'warn', ADMIN_TOKEN, RETENTION_INTERVAL_MS: '0', KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const origin = `http://127.0.0.1:${port}`;
    await waitForHttp(`${origin}/health/ready`, gateway);

    // The account: reused with a fresh token, or created through the admin API and filled.
    const counted = (await ds.query(`SELECT account_id AS "authId", count(*)::int AS n FROM messages GROUP BY 1`)) as Array<{ authId: string; n: number }>;
    const existing = counted.find((a) => a.n === ROWS);
    const admin = (path: string, method = 'POST', body?: unknown) =>
      fetch(`${origin}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }).then((r) => r.json() as Promise<{ auth_id?: string; auth_token: string }>);
    const account = existing
      ? { authId: existing.authId, authToken: (await admin(`/accounts/${existing.authId}/token`)).auth_token }
      : await admin('/accounts', 'POST', { name: 'export-bench', api_request_rate: 1000 }).then((a) => ({ authId: a.auth_id ?? '', authToken: a.auth_token }));
    const loadStarted = Date.now();
    if (!existing) await fill(ds, account.authId);
    const [size] = await ds.query(`SELECT pg_size_pretty(pg_total_relation_size('messages')) AS total, (SELECT count(*) FROM messages)::bigint AS rows`);
    process.stderr.write(`${Number(size.rows).toLocaleString('en-US')} messages, ${size.total} with indexes${existing ? ' (reused)' : ` (loaded in ${Math.round((Date.now() - loadStarted) / 1000)} s)`}\n`);

    // The plan the export's query gets (same statement the repository sends, the account as $1).
    const columns = ds.getMetadata(MessageEntity).columns.map((c) => `m.${c.databaseName}`).join(', ');
    const plan: Array<{ 'QUERY PLAN': string }> = await ds.query(
      `EXPLAIN SELECT ${columns} FROM messages m WHERE m.root_account_id = $1 ORDER BY m.message_time DESC, m.message_uuid DESC`,
      [account.authId],
    );

    // Settle after start-up and loading, then the gateway's footprint before the export.
    const authorization = `Basic ${Buffer.from(`${account.authId}:${account.authToken}`).toString('base64')}`;
    await fetch(`${origin}/v1/Account/${account.authId}/Message/?limit=20`, { headers: { authorization } }).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 2_000));
    const pid = gateway.pid ?? 0;
    const before = processUsage(pid);
    if (!before) throw new Error(`cannot read /proc/${pid}: the gateway's memory and CPU cannot be sampled here`);
    const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();

    const samples: Sample[] = [];
    let rowsSoFar = 0;
    const started = performance.now();
    const sampler = setInterval(() => {
      const usage = processUsage(pid);
      if (usage) samples.push({ at: performance.now() - started, rows: rowsSoFar, ...usage });
    }, SAMPLE_MS);
    // The Postgres backend that runs the cursor, found once the export is under way.
    const backend = { pid: 0, cpuAtStart: NaN };
    const findBackend = setTimeout(() => {
      void ds
        .query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND state <> 'idle' AND query LIKE '%AS "messageUuid"%'`, [DB])
        .then(([row]: Array<{ pid: number }>) => {
          const usage = row ? processUsage(row.pid) : null;
          if (row && usage) Object.assign(backend, { pid: row.pid, cpuAtStart: usage.cpu });
          else process.stderr.write(`the export's Postgres backend was not found (${row ? `pid ${row.pid} unreadable` : 'no open cursor'}); its CPU is not reported\n`);
        })
        .catch((error: unknown) => process.stderr.write(`could not look for the export's Postgres backend: ${String(error)}\n`));
    }, 500);
    const result = await download(`${origin}/v1/Account/${account.authId}/Message/export/`, authorization, (rows) => (rowsSoFar = rows));
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    clearTimeout(findBackend);
    const after = processUsage(pid) ?? before;
    const loadAfter = readFileSync('/proc/loadavg', 'utf8').trim();
    const backendCpu = backend.pid ? (processUsage(backend.pid)?.cpu ?? NaN) - backend.cpuAtStart : NaN;

    if (result.status !== 200 || result.rows !== ROWS) throw new Error(`the export answered ${result.status} with ${result.rows} rows, expected ${ROWS}`);
    const peak = Math.max(before.rss, ...samples.map((s) => s.rss));
    const gatewayCpu = after.cpu - before.cpu;
    const byMillion: string[] = [];
    for (let m = 1_000_000; m <= ROWS; m += 1_000_000) {
      const sample = samples.find((s) => s.rows >= m);
      if (sample) byMillion.push(`${m / 1_000_000}M: ${mb(sample.rss)}`);
    }
    const cpu = cpus();
    process.stdout.write(
      [
        '',
        `MDR export benchmark, ${new Date().toISOString()}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
        `/proc/loadavg before: ${loadBefore}; after: ${loadAfter}`,
        `Plan: ${plan.map((p) => p['QUERY PLAN'].trim()).join(' → ')}`,
        '',
        '| measure | result |',
        '|---|---|',
        `| rows exported | ${result.rows.toLocaleString('en-US')} (${(result.bytes / 2 ** 30).toFixed(2)} GiB of CSV) |`,
        `| wall time | ${seconds.toFixed(1)} s (first byte after ${result.firstByteMs.toFixed(0)} ms) |`,
        `| rows per second | ${Math.round(result.rows / seconds).toLocaleString('en-US')} (${(result.bytes / 2 ** 20 / seconds).toFixed(1)} MiB/s) |`,
        `| gateway RSS before the export | ${mb(before.rss)} |`,
        `| gateway RSS peak during the export | ${mb(peak)} (${peak - before.rss >= 0 ? '+' : ''}${mb(peak - before.rss)}) |`,
        `| gateway RSS after the export | ${mb(after.rss)} |`,
        `| gateway RSS at each million rows | ${byMillion.join(', ')} |`,
        `| gateway CPU | ${gatewayCpu.toFixed(1)} s (${((100 * gatewayCpu) / seconds).toFixed(0)} % of one core; ${((1e6 * gatewayCpu) / result.rows).toFixed(1)} µs per row) |`,
        `| Postgres backend CPU | ${Number.isNaN(backendCpu) ? 'not sampled' : `${backendCpu.toFixed(1)} s (${((100 * backendCpu) / seconds).toFixed(0)} % of one core)`} |`,
        '',
      ].join('\n'),
    );
  } finally {
    const running = gateway;
    if (running && running.exitCode === null) {
      const exited = new Promise((r) => running.once('exit', r));
      running.kill('SIGTERM');
      await exited;
    }
    await ds.destroy().catch(() => undefined);
    if (process.env['BENCH_KEEP'] !== '1') await server.query(`DROP DATABASE IF EXISTS ${DB}`);
    await server.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
