import { testInfrastructure } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, openPool } from './data-source';

describe('the connection pool (real Postgres)', () => {
  let dataSource: DataSource;
  let observer: DataSource;
  const applicationName = `pool-test-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    observer = await createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 1 }).initialize();
    dataSource = await createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 4, applicationName }).initialize();
  });

  afterAll(async () => {
    await Promise.all([dataSource.destroy(), observer.destroy()]);
  });

  const connections = async (): Promise<number> => {
    const [row] = (await observer.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName])) as Array<{ n: number }>;
    return row?.n ?? 0;
  };

  it('opens every connection of the pool at once', async () => {
    expect(await connections()).toBeLessThan(4);
    await openPool(dataSource, 4);
    expect(await connections()).toBe(4);
  });
});
