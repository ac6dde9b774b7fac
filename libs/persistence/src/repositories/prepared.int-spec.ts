// Named prepared statements against real Postgres: where each runs, and that it is prepared once.
import { testInfrastructure } from '@sluice/testing';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { CUSTOM_PLAN_ROWS, preparedQuery, statementName } from './prepared';

describe('preparedQuery (real Postgres)', () => {
  let dataSource: DataSource;
  const table = `prepared_probe_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    dataSource = await createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 1 }).initialize();
    await dataSource.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
  });

  afterAll(async () => {
    await dataSource?.query(`DROP TABLE IF EXISTS ${table}`);
    await dataSource?.destroy();
  });

  it('names a text the same way every time, and two texts differently', () => {
    expect(statementName('SELECT $1::int')).toBe(statementName('SELECT $1::int'));
    expect(statementName('SELECT $1::int')).not.toBe(statementName('SELECT $1::bigint'));
    expect(statementName('SELECT $1::int')).toMatch(/^sluice_[0-9a-f]{24}$/);
  });

  it('prepares a statement once on its connection and runs it again by name', async () => {
    const text = `SELECT $1::int + 1 AS n`;
    expect(await preparedQuery<{ n: number }>(dataSource, text, [1])).toEqual([{ n: 2 }]);
    expect(await preparedQuery<{ n: number }>(dataSource, text, [41])).toEqual([{ n: 42 }]);
    // One connection in the pool: the statement prepared by the calls above is listed on it.
    const listed: Array<{ name: string }> = await dataSource.query(`SELECT name FROM pg_prepared_statements WHERE name = $1`, [statementName(text)]);
    expect(listed).toHaveLength(1);
  });

  it('plans a batch of more than CUSTOM_PLAN_ROWS rows for its rows, unnamed, and prepares the same text for small batches', async () => {
    const text = `SELECT count(*)::int AS n FROM unnest($1::int[]) AS x(v) WHERE v > 0`;
    const big = Array.from({ length: CUSTOM_PLAN_ROWS + 1 }, (_, i) => i + 1);
    expect(await preparedQuery<{ n: number }>(dataSource, text, [big])).toEqual([{ n: CUSTOM_PLAN_ROWS + 1 }]);
    const prepared = async (): Promise<number> =>
      (await dataSource.query(`SELECT name FROM pg_prepared_statements WHERE name = $1`, [statementName(text)])).length;
    expect(await prepared()).toBe(0);
    expect(await preparedQuery<{ n: number }>(dataSource, text, [[1, 2, 0]])).toEqual([{ n: 2 }]);
    expect(await prepared()).toBe(1);
  });

  it('runs inside the transaction of an EntityManager: a rollback undoes it', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await preparedQuery(manager, `INSERT INTO ${table} (id) VALUES ($1)`, [7]);
        const seen = await preparedQuery<{ id: number }>(manager, `SELECT id FROM ${table} WHERE id = $1`, [7]);
        expect(seen).toEqual([{ id: 7 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await preparedQuery(dataSource, `SELECT id FROM ${table} WHERE id = $1`, [7])).toEqual([]);
  });

  it('runs on the pool for the data source manager, outside any transaction', async () => {
    await preparedQuery(dataSource.manager, `INSERT INTO ${table} (id) VALUES ($1)`, [8]);
    expect(await dataSource.query(`SELECT id FROM ${table} WHERE id = 8`)).toEqual([{ id: 8 }]);
  });

  it('rejects with the database error of a failed statement', async () => {
    await preparedQuery(dataSource, `INSERT INTO ${table} (id) VALUES ($1)`, [9]);
    await expect(preparedQuery(dataSource, `INSERT INTO ${table} (id) VALUES ($1)`, [9])).rejects.toMatchObject({ code: '23505' });
  });
});
