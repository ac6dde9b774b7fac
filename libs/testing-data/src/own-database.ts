// A migrated database of a test file's own, for code that acts on every row it can see (sweeps, reconcilers).
import { createDataSource, runMigrations } from '@sluice/persistence';
import { testInfrastructure } from '@sluice/testing';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';

export interface OwnTestDatabase {
  readonly url: string;
  readonly dataSource: DataSource;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
}

/** Creates and migrates a database named `<prefix>_<random>` next to the test database. */
export async function createOwnTestDatabase(prefix: string, poolSize = 4): Promise<OwnTestDatabase> {
  const serverUrl = testInfrastructure().databaseUrl;
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const server = await createDataSource({ url: serverUrl, poolSize: 1 }).initialize();
  await server.query(`CREATE DATABASE ${name}`);
  const dataSource = await createDataSource({ url: url.toString(), poolSize, applicationName: 'sluice-tests' }).initialize();
  await runMigrations(dataSource);
  return {
    url: url.toString(),
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await server.query(`DROP DATABASE IF EXISTS ${name}`);
      await server.destroy();
    },
  };
}
