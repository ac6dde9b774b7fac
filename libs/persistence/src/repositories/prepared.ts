// The hot statements as named prepared statements: Postgres parses and plans each once per
// connection instead of on every call (planning was as costly as executing them; see
// docs/decisions/0003-prepared-statements.md).
import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { driverPool } from './driver-pool';

const names = new Map<string, string>();

/** A stable name for `text`: the same statement gets the same name in every process. */
export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `sluice_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/** What pg's Pool and Client share: a query from a config object. */
interface PgExecutor {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs `text` as a named prepared statement and returns its rows. On an EntityManager of a
 * transaction it runs on that transaction's connection; otherwise on the pool TypeORM holds.
 * `text` must be one statement of a bounded set (never built from values): each distinct text
 * stays prepared on each connection for the connection's life.
 */
export async function preparedQuery<R = Record<string, unknown>>(on: DataSource | EntityManager, text: string, values: readonly unknown[]): Promise<R[]> {
  const executor = await executorOf(on);
  if (executor === null) return (await on.query(text, [...values])) as R[];
  return (await executor.query(statementConfig(text, values))).rows as R[];
}

/** How pg is to run `text`: by name (prepared once per connection), or unnamed for a large batch (below). */
export function statementConfig(text: string, values: readonly unknown[]): { name?: string; text: string; values: unknown[] } {
  return isLargeBatch(values) ? { text, values: [...values] } : { name: statementName(text), text, values: [...values] };
}

/**
 * A batch longer than this is planned for its own rows, as an unnamed statement. A prepared
 * statement's generic plan assumes an `unnest` of a parameter yields 10 rows, so Postgres
 * judges it cheaper than the custom plans of large batches and keeps it: measured on a
 * backlog at 300 requests/s, the callback enqueue took 408 ms a call on its generic plan and
 * 73 ms planned for its ~600 rows (docs/decisions/0003). Planning costs little beside such a
 * batch. Up to this size the generic plans run as fast as custom ones (a callback lease of
 * ~150 statuses, a transition of ~80 messages), while planning each call took 1.4 ms and
 * 0.5 ms: the batches of a steady flow of up to 1,000 messages/s keep their plans.
 */
export const CUSTOM_PLAN_ROWS = 256;

function isLargeBatch(values: readonly unknown[]): boolean {
  return values.some((value) => Array.isArray(value) && value.length > CUSTOM_PLAN_ROWS);
}

async function executorOf(on: DataSource | EntityManager): Promise<PgExecutor | null> {
  if ('connection' in on) {
    const runner = on.queryRunner;
    // PostgresQueryRunner.connect() resolves to its pg client (typed `any` by TypeORM).
    if (runner !== undefined && !runner.isReleased) return (await runner.connect()) as PgExecutor;
    return driverPool(on.connection);
  }
  return driverPool(on);
}
