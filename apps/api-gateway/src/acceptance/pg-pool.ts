// The pg pools under the acceptance path: statements that need none of TypeORM's per-query work.
import type { Queryable } from '@sluice/persistence';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

interface PgPool {
  query(sql: string, parameters?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** The pool TypeORM already holds; each statement runs on its own pooled connection and commits on its own. */
export function rawQueryable(dataSource: DataSource): Queryable {
  const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
  if (!pool) return dataSource;
  return { query: async (sql, parameters) => (await pool.query(sql, parameters)).rows };
}

/**
 * A pool whose statements Postgres itself aborts after `statementTimeoutMs`: an insert that
 * cannot finish in time rolls back instead of committing after downstream stopped waiting.
 */
export function boundedPool(url: string, size: number, statementTimeoutMs: number): Queryable & { end(): Promise<void> } {
  const pool = new Pool({ connectionString: url, max: size, statement_timeout: statementTimeoutMs, application_name: 'api-gateway-accept' });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return {
    query: async (sql, parameters) => (await pool.query(sql, parameters)).rows,
    end: () => pool.end(),
  };
}
