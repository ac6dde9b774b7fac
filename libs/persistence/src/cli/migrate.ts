// `npm run db:migrate`: applies pending migrations to DATABASE_URL.
import { databaseEnv, loadConfig, runOrExplain } from '@sluice/config';
import { createDataSource, runMigrations } from '../data-source';

void runOrExplain(async () => {
  const config = loadConfig('db:migrate', databaseEnv);
  const dataSource = await createDataSource({ url: config.DATABASE_URL, poolSize: 2, applicationName: 'sluice-migrate' }).initialize();
  try {
    const applied = await runMigrations(dataSource);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
  } finally {
    await dataSource.destroy();
  }
});
