// A database of its own on a Postgres server, migrated, for work that must see no one else's
// rows (tests of statements that read a whole table), and dropped afterwards.
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from './data-source';

export interface ScratchDatabase {
  /** Connected to the new database, with every migration applied. */
  readonly dataSource: DataSource;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
}

/** Creates `<prefix>_<random>` on the server of `serverUrl` (any database of it) and migrates it. */
export async function createScratchDatabase(serverUrl: string, prefix: string, poolSize = 4): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const server = await createDataSource({ url: serverUrl, poolSize: 1 }).initialize();
  try {
    await server.query(`CREATE DATABASE ${name}`);
    const dataSource = await createDataSource({ url: url.toString(), poolSize }).initialize();
    await runMigrations(dataSource);
    return {
      dataSource,
      drop: async () => {
        await dataSource.destroy();
        const admin = await createDataSource({ url: serverUrl, poolSize: 1 }).initialize();
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${name}`);
        } finally {
          await admin.destroy();
        }
      },
    };
  } finally {
    await server.destroy();
  }
}
