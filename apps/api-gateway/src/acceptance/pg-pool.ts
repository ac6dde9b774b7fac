// The pg pool under the acceptance inserts: statements that need none of TypeORM's per-query work.
import { statementConfig, type Queryable } from '@sluice/persistence';
import { Pool } from 'pg';

/**
 * A pool whose statements Postgres itself aborts after `statementTimeoutMs`: an insert that
 * cannot finish in time rolls back instead of committing after downstream stopped waiting.
 */
export function boundedPool(url: string, size: number, statementTimeoutMs: number): Queryable & { end(): Promise<void> } {
  const pool = new Pool({ connectionString: url, max: size, statement_timeout: statementTimeoutMs, application_name: 'api-gateway-accept' });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return {
    // Statements with parameters are prepared once per connection (the acceptance insert is one text).
    query: async (sql, parameters) =>
      (parameters === undefined ? await pool.query(sql) : await pool.query(statementConfig(sql, parameters))).rows,
    end: () => pool.end(),
  };
}
