// The outbox sweep's statements against real Postgres: the cheap look, then the locking read.
import { testInfrastructure } from '@sluice/testing';
import { DataSource } from 'typeorm';
import { createScratchDatabase, ScratchDatabase } from '../scratch-database';
import { OutboxRepository } from './outbox.repository';

describe('OutboxRepository sweep statements (real Postgres)', () => {
  // A database of its own: the look sees every outbox row, and other test files write some.
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let outbox: OutboxRepository;

  beforeAll(async () => {
    scratch = await createScratchDatabase(testInfrastructure().databaseUrl, 'sluice_outbox');
    dataSource = scratch.dataSource;
    outbox = new OutboxRepository(dataSource);
  }, 60_000);

  afterAll(async () => {
    await scratch?.drop();
  });

  const write = async (ageMs: number): Promise<string> => {
    const rows: Array<{ id: string }> = await dataSource.query(
      `INSERT INTO outbox (topic, record_key, payload, created_at) VALUES ('sms.status.v1', 'k', '{"n":1}', now() - make_interval(secs => $1::double precision / 1000)) RETURNING id`,
      [ageMs],
    );
    return String(rows[0]?.id);
  };

  it('sees the oldest row only once it is older than the age, and not after it is deleted', async () => {
    expect(await outbox.anyOlderThan(3_000)).toBe(false);
    const stuck = await write(0);
    const fresh = await write(0);
    expect(await outbox.anyOlderThan(3_000)).toBe(false);
    await dataSource.query(`UPDATE outbox SET created_at = now() - interval '10 seconds' WHERE id = $1`, [stuck]);
    expect(await outbox.anyOlderThan(3_000)).toBe(true);

    const locked = await dataSource.transaction((manager) => outbox.lockOlderThan(manager, 3_000, 10));
    expect(locked.map((r) => r.id)).toEqual([stuck]);
    expect(locked[0]).toMatchObject({ topic: 'sms.status.v1', recordKey: 'k', payload: { n: 1 } });

    await outbox.delete([stuck]);
    expect(await outbox.anyOlderThan(3_000)).toBe(false);
    await outbox.delete([fresh]);
  });
});
