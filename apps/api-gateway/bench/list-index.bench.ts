// How the list indexes were checked: fills a scratch database with BENCH_ROWS messages (default
// 10 million) over 90 days and many accounts, then runs every list shape through the gateway's
// own repository, printing the wall time and the plan (EXPLAIN ANALYZE) of the page query.
//
//   npx tsc -b apps/api-gateway/tsconfig.app.json && npx tsc -p apps/api-gateway/tsconfig.bench.json
//   DATABASE_URL=postgres://…/anything node apps/api-gateway/dist-bench/bench/list-index.bench.js
// It creates (and at the end drops, unless BENCH_KEEP=1) the database `sluice_list_bench` on that server.
import 'reflect-metadata';
import { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { must } from '@sluice/contracts';
import { ENTITIES, MessageListFilters, MessageQueryRepository, MessageViewer, MIGRATIONS } from '@sluice/persistence';
import { bulkLoadMessages } from './bulk-load';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 10_000_000);
const CHUNK = 1_000_000;
const DB = 'sluice_list_bench';
const BIG = 'MABIGPARENT000000000';
const SUBS = ['SABIGSUB000000000001', 'SABIGSUB000000000002', 'SABIGSUB000000000003'];
const BUSY = 'MABUSY00000000000000';
const SMALL = 1_000;
const POWERPACK = '00000000-0000-4000-8000-00000000bbbb';

const ignore = (): void => undefined;

/** Keeps the last SQL TypeORM ran, so the page query can be EXPLAINed as the repository sends it. */
class CapturingLogger implements TypeOrmLogger {
  readonly queries: Array<{ sql: string; parameters: unknown[] }> = [];
  logQuery(sql: string, parameters?: unknown[]): void {
    this.queries.push({ sql, parameters: parameters ?? [] });
  }
  // Everything but the queries themselves is of no interest here.
  logQueryError = ignore;
  logQuerySlow = ignore;
  logSchemaBuild = ignore;
  logMigration = ignore;
  log = ignore;
}

function url(database: string): string {
  const u = new URL(process.env['DATABASE_URL'] ?? '');
  u.pathname = `/${database}`;
  return u.toString();
}

async function fill(ds: DataSource): Promise<void> {
  await ds.query(`INSERT INTO accounts (auth_id, name, auth_token_sha256) VALUES ($1, 'big', repeat('0', 64)), ($2, 'busy', repeat('0', 64))`, [BIG, BUSY]);
  await ds.query(`INSERT INTO accounts (auth_id, parent_auth_id, name, auth_token_sha256) SELECT s, $1, 'sub', repeat('0', 64) FROM unnest($2::text[]) s`, [BIG, SUBS]);
  await ds.query(
    `INSERT INTO accounts (auth_id, name, auth_token_sha256) SELECT 'MASMALL' || lpad(i::text, 13, '0'), 'small', repeat('0', 64) FROM generate_series(1, $1) i`,
    [SMALL],
  );
  await ds.query(`INSERT INTO powerpacks (powerpack_uuid, account_id, name) VALUES ($1, $2, 'pool')`, [POWERPACK, BIG]);
  // Every index is built again: the shape of the table is what matters here.
  await bulkLoadMessages(ds, {
    rows: ROWS,
    chunk: CHUNK,
    insert: async (from, to) => {
      // 40% the big main account, 20% its subaccounts, 20% one busy account, 20% a thousand small ones;
      // 90 days of traffic in time order; 90% delivered, 5% sent, 3% failed, 2% queued; 5% MMS; 1% inbound.
      await ds.query(
        `INSERT INTO messages (message_uuid, account_id, root_account_id, message_time, message_direction, message_state, message_type,
                               from_number, to_number, text, encoding, log_mode, units, total_rate, total_amount, error_code,
                               message_expiry, callback_method, sequence, queued_at, updated_at, powerpack_id, destination_country)
         SELECT gen_random_uuid(), a.account, a.root, t, CASE WHEN i % 100 = 7 THEN 'inbound' ELSE 'outbound' END,
                CASE WHEN i % 100 = 7 THEN 'received' WHEN i % 100 < 2 THEN 'queued' WHEN i % 100 < 5 THEN 'failed' WHEN i % 100 < 10 THEN 'sent' ELSE 'delivered' END,
                CASE WHEN i % 20 = 3 THEN 'mms' ELSE 'sms' END,
                '14155550100', '1202' || lpad((i % 10000000)::text, 7, '0'), 'benchmark text', 'GSM', 'true', 1, 0.005, 0.005,
                CASE WHEN i % 100 BETWEEN 2 AND 4 THEN (ARRAY['420', '450', '30'])[i % 3 + 1] ELSE '000' END,
                10800, 'POST', 3, t, t, CASE WHEN a.account = $3 AND i % 100 = 50 THEN $4::uuid END, 'US'
         FROM generate_series($1::bigint, $2::bigint) i,
              LATERAL (SELECT now() - interval '90 days' + (i::float8 / $5) * interval '90 days' AS t) tt,
              LATERAL (SELECT CASE
                         WHEN i % 10 < 4 THEN $3
                         WHEN i % 10 < 6 THEN ($6::text[])[i % 3 + 1]
                         WHEN i % 10 < 8 THEN $7
                         ELSE 'MASMALL' || lpad((i % $8 + 1)::text, 13, '0') END AS account) acc,
              LATERAL (SELECT acc.account, CASE WHEN acc.account LIKE 'SA%' THEN $3 ELSE acc.account END AS root) a`,
        [from, to, BIG, POWERPACK, ROWS, SUBS, BUSY, SMALL],
      );
    },
  });
}

async function main(): Promise<void> {
  const server = new DataSource({ type: 'postgres', url: url('postgres') });
  await server.initialize();
  await server.query(`DROP DATABASE IF EXISTS ${DB}`);
  await server.query(`CREATE DATABASE ${DB}`);
  const logger = new CapturingLogger();
  const ds = new DataSource({ type: 'postgres', url: url(DB), entities: ENTITIES, migrations: MIGRATIONS, logging: ['query'], logger });
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'all' });
    const started = Date.now();
    await fill(ds);
    const [size] = await ds.query(`SELECT pg_size_pretty(pg_total_relation_size('messages')) AS total, (SELECT count(*) FROM messages) AS rows`);
    process.stdout.write(`\n${Number(size.rows).toLocaleString('en-US')} messages, ${size.total} with indexes (loaded in ${Math.round((Date.now() - started) / 1000)} s)\n\n`);

    const repository = new MessageQueryRepository(ds);
    const main: MessageViewer = { authId: BIG, isSubaccount: false };
    const day = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    const cases: Array<[string, MessageViewer, MessageListFilters, number]> = [
      ['main account (4M own + 2M subaccounts), first page', main, {}, 0],
      ['main account, offset 10,000', main, {}, 10_000],
      ['message_state=failed', main, { state: 'failed' }, 0],
      ['error_code=450', main, { errorCode: '450' }, 0],
      ['message_type=mms', main, { type: 'mms' }, 0],
      ['message_type=sms', main, { type: 'sms' }, 0],
      ['message_direction=inbound', main, { direction: 'inbound' }, 0],
      ['message_time__gte one day ago', main, { timeGte: day }, 0],
      ['message_time__lt 60 days ago', main, { timeLt: new Date(Date.now() - 60 * 24 * 3600 * 1000).toISOString() }, 0],
      ['subaccount filter', main, { subaccount: SUBS[0] }, 0],
      ['powerpack_id', main, { powerpackId: POWERPACK }, 0],
      ['a subaccount itself', { authId: SUBS[1], isSubaccount: true }, {}, 0],
      ['a small account (~2,000 rows)', { authId: 'MASMALL0000000000042', isSubaccount: false }, { state: 'delivered' }, 0],
    ];
    process.stdout.write('| list | page ms (median of 5) | plan of the page query |\n|---|---|---|\n');
    for (const [name, viewer, filters, offset] of cases) {
      const times: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        logger.queries.length = 0;
        const t = performance.now();
        await repository.list(viewer, filters, 20, offset, 10_000);
        times.push(performance.now() - t);
      }
      const page = must(logger.queries.find((q) => /ORDER BY/i.test(q.sql)), `the page query of '${name}'`);
      const plan: Array<{ 'QUERY PLAN': string }> = await ds.query(`EXPLAIN (ANALYZE, COSTS OFF) ${page.sql}`, page.parameters);
      const lines = plan.map((p) => p['QUERY PLAN']);
      const scan = lines.filter((l) => /Index|Seq Scan|Bitmap/.test(l)).map((l) => l.trim().replace(/\s+\(actual.*$/, '')).join('; ');
      const execution = lines.find((l) => l.startsWith('Execution Time'))?.replace('Execution Time: ', '') ?? '';
      times.sort((a, b) => a - b);
      process.stdout.write(`| ${name} | ${times[2].toFixed(1)} | ${scan} (${execution}) |\n`);
    }
  } finally {
    await ds.destroy().catch(() => undefined);
    if (process.env['BENCH_KEEP'] !== '1') await server.query(`DROP DATABASE IF EXISTS ${DB}`);
    await server.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
