// The TypeORM data source: schema changes only through migrations, never `synchronize`.
import { DEFAULT_DATABASE_POOL_SIZE } from '@sluice/config';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DatabaseOptions {
  readonly url: string;
  readonly poolSize?: number;
  readonly applicationName?: string;
}

/**
 * A fixed-size pool: a connection, once open, is kept (`min` is the size; node-postgres closes
 * idle connections only above it). Opening one costs a backend process, the SCRAM exchange and
 * the hot statements prepared again, which a burst after a quiet spell would otherwise pay.
 */
export function createDataSource({ url, poolSize, applicationName }: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: poolSize ?? DEFAULT_DATABASE_POOL_SIZE, min: poolSize ?? DEFAULT_DATABASE_POOL_SIZE, application_name: applicationName ?? 'sluice' },
  });
}

/** Opens every connection of the pool at once, so the first burst of work finds them ready. */
export async function openPool(dataSource: DataSource, size: number): Promise<void> {
  const runners = Array.from({ length: size }, () => dataSource.createQueryRunner());
  try {
    await Promise.all(runners.map((runner) => runner.connect()));
  } finally {
    await Promise.all(runners.map((runner) => runner.release()));
  }
}

/** Any fixed number: the session lock that serialises concurrent migration runs. */
const MIGRATION_LOCK_ID = 7_202_511;

/** Applies pending migrations under an advisory lock, so concurrent starts are safe. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await lock.release();
  }
}
