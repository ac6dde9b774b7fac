// The retention job: content redacted after 7 days, numbers after 90 (or as configured), records deleted after 90.
import { LogMode, MessageType } from '@sluice/contracts';
import { MessageAcceptanceRepository, RETENTION_LOCK_ID } from '@sluice/persistence';
import { queuedSmsRow } from '@sluice/testing';
import { connectTestDatabase, createTestAccount } from '@sluice/testing-data';
import { randomInt, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RetentionService } from '../src/retention/retention.service';
import { startTestGateway, TestGateway } from './gateway-harness';

const DAY = 24 * 3600 * 1000;

describe('retention job', () => {
  let db: DataSource;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    db = await connectTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await db?.destroy();
  });

  async function gateway(env: Record<string, string> = {}): Promise<RetentionService> {
    const started = await startTestGateway(env);
    gateways.push(started);
    return started.app.get(RetentionService);
  }

  /** Messages accepted `daysAgo` days ago (rows as the gateway writes them), with one media URL each. */
  async function acceptedDaysAgo(accountId: string, daysAgo: number, now: Date): Promise<string> {
    const row = queuedSmsRow(accountId, {
      messageType: MessageType.Mms,
      fromNumber: '14155550100',
      toNumber: '12025550123',
      text: `kept for now (${daysAgo} days)`,
      logMode: LogMode.All,
      totalRate: '0.01500',
      totalAmount: '0.01500',
      acceptedAt: new Date(now.getTime() - daysAgo * DAY),
    });
    const { messageUuid } = row;
    await new MessageAcceptanceRepository().insertBatch(db, [row], [
      { messageUuid, position: 0, mediaId: randomUUID(), mediaUrl: 'https://media.example/a.png', contentType: 'image/png', size: 10 },
    ]);
    return messageUuid;
  }

  async function state(messageUuid: string) {
    const [row] = await db.query(
      `SELECT m.text, m.to_number, (SELECT media_url FROM message_media WHERE message_uuid = m.message_uuid) AS media_url,
              (SELECT count(*)::int FROM status_events WHERE message_uuid = m.message_uuid) AS history
       FROM messages m WHERE m.message_uuid = $1`,
      [messageUuid],
    );
    return row ?? null;
  }

  it('redacts content after 7 days and deletes records (with their history) after 90', async () => {
    const retention = await gateway();
    await db.query(`DELETE FROM retention_progress`);
    const now = new Date();
    const { authId } = await createTestAccount(db);
    const [fresh, week, old] = await Promise.all([acceptedDaysAgo(authId, 1, now), acceptedDaysAgo(authId, 8, now), acceptedDaysAgo(authId, 91, now)]);
    // A part, a callback and its attempt each, as carrier-dispatch and callback-service write them (no foreign key cascades them).
    for (const uuid of [fresh, old]) {
      await db.query(`INSERT INTO message_parts (message_uuid, part_seq, parts_total, carrier_message_id, submitted_at) VALUES ($1, 1, 1, $2, now())`, [uuid, `c-${uuid}`]);
      await db.query(
        `INSERT INTO callback_deliveries (message_uuid, sequence, account_id, status, error_code, occurred_at, url, method, destination, retry_delays_ms, state, next_attempt_at)
         VALUES ($1, 1, $2, 'queued', '000', now(), 'https://hooks.example/cb', 'POST', 'https://hooks.example:443', '{}', 'delivered', now())`,
        [uuid, authId],
      );
      await db.query(
        `INSERT INTO callback_attempts (message_uuid, sequence, status, method, url, attempt, attempted_at, http_status, latency_ms, succeeded)
         VALUES ($1, 1, 'queued', 'POST', 'https://hooks.example/cb', 1, now(), 200, 3, true)`,
        [uuid],
      );
    }
    const children = async (uuid: string) =>
      (await db.query(
        `SELECT (SELECT count(*)::int FROM message_parts WHERE message_uuid = $1) AS parts,
                (SELECT count(*)::int FROM callback_deliveries WHERE message_uuid = $1) AS callbacks,
                (SELECT count(*)::int FROM callback_attempts WHERE message_uuid = $1) AS attempts`,
        [uuid],
      ))[0];

    const run = await retention.runOnce(now);
    expect(run.ran).toBe(true);
    // (Both were still queued, so the stranded step also failed them: history queued → failed.)
    expect(await state(fresh)).toEqual({ text: 'kept for now (1 days)', to_number: '12025550123', media_url: 'https://media.example/a.png', history: 2 });
    expect(await state(week)).toEqual({ text: null, to_number: '12025550123', media_url: null, history: 2 });
    expect(await state(old)).toBeNull();
    expect((await db.query(`SELECT count(*)::int AS n FROM status_events WHERE message_uuid = $1`, [old]))[0].n).toBe(0);
    expect(await children(old)).toEqual({ parts: 0, callbacks: 0, attempts: 0 });
    expect(await children(fresh)).toEqual({ parts: 1, callbacks: 1, attempts: 1 });

    // The next run starts where this one stopped: nothing left to do.
    expect(await retention.runOnce(now)).toMatchObject({ ran: true, contentRedacted: 0, recordsDeleted: 0 });
  });

  it('fails with 420 a message still queued after every possible expiry, through the guarded transition', async () => {
    const retention = await gateway();
    await db.query(`DELETE FROM retention_progress`);
    const now = new Date();
    const { authId } = await createTestAccount(db);
    const [stranded, waiting] = await Promise.all([acceptedDaysAgo(authId, 4 / 24, now), acceptedDaysAgo(authId, 2 / 24, now)]);
    const run = await retention.runOnce(now);
    expect(run.strandedExpired).toBeGreaterThanOrEqual(1);
    const rows = await db.query(`SELECT message_uuid, message_state, error_code, total_amount::float AS amount, sequence FROM messages WHERE message_uuid = ANY($1::uuid[])`, [[stranded, waiting]]);
    expect(rows).toEqual(
      expect.arrayContaining([
        { message_uuid: stranded, message_state: 'failed', error_code: '420', amount: 0, sequence: 2 },
        { message_uuid: waiting, message_state: 'queued', error_code: '000', amount: 0.015, sequence: 1 },
      ]),
    );
    // The failure is in the history and on its way to the callback like any other transition.
    expect(await db.query(`SELECT state, error_code FROM status_events WHERE message_uuid = $1 ORDER BY sequence`, [stranded])).toEqual([
      { state: 'queued', error_code: '000' },
      { state: 'failed', error_code: '420' },
    ]);
  });

  it('redacts numbers once their own window is shorter than the records’ and shows them redacted', async () => {
    const retention = await gateway({ RETENTION_NUMBER_DAYS: '30' });
    await db.query(`DELETE FROM retention_progress`);
    const now = new Date();
    const { authId } = await createTestAccount(db);
    const [recent, month] = await Promise.all([acceptedDaysAgo(authId, 29, now), acceptedDaysAgo(authId, 31, now)]);
    const run = await retention.runOnce(now);
    expect(run.numbersRedacted).toBeGreaterThanOrEqual(1);
    expect(await state(recent)).toMatchObject({ to_number: '12025550123', text: null });
    expect(await state(month)).toMatchObject({ to_number: '12025550***', text: null });
  });

  it('covers inbound messages: content and its key after 7 days, the mobile sender after the numbers window, unassigned MO with it', async () => {
    const retention = await gateway({ RETENTION_NUMBER_DAYS: '30', RETENTION_BATCH: '1' });
    await db.query(`DELETE FROM retention_progress`);
    const now = new Date();
    const { authId } = await createTestAccount(db);
    const inbound = async (daysAgo: number): Promise<string> => {
      const messageUuid = randomUUID();
      await db.query(
        `INSERT INTO messages (message_uuid, account_id, root_account_id, message_time, message_direction, message_state, message_type, from_number, to_number,
           text, encoding, log_mode, units, total_rate, total_amount, error_code, message_expiry, callback_method, queued_at, updated_at, content_key)
         VALUES ($1, $2, $2, $3, 'inbound', 'received', 'sms', '12025550188', '14155550100', 'an inbound text', 'GSM', 'true', 1, 0, 0, '000', 0, 'POST', $3, $3, $4)`,
        [messageUuid, authId, new Date(now.getTime() - daysAgo * DAY), Buffer.alloc(32, 1)],
      );
      return messageUuid;
    };
    const [fresh, week, month, alsoMonth] = await Promise.all([inbound(1), inbound(8), inbound(31), inbound(31.5)]);
    // Numbers of this run only: rows other runs left in the same database are not counted.
    const [oldTo, newTo] = [randomInt(10_000_000), randomInt(10_000_000)].map((n) => `1415${String(n).padStart(7, '0')}`) as [string, string];
    await db.query(`INSERT INTO unassigned_inbound (from_number, to_number, units, received_at) VALUES ('12025550189', $3, 1, $1), ('12025550189', $4, 1, $2)`, [
      new Date(now.getTime() - 31 * DAY),
      new Date(now.getTime() - DAY),
      oldTo,
      newTo,
    ]);

    const run = await retention.runOnce(now);
    const row = async (uuid: string) =>
      (await db.query(`SELECT from_number, to_number, text, content_key IS NOT NULL AS has_key FROM messages WHERE message_uuid = $1`, [uuid]))[0];
    expect(await row(fresh)).toEqual({ from_number: '12025550188', to_number: '14155550100', text: 'an inbound text', has_key: true });
    expect(await row(week)).toEqual({ from_number: '12025550188', to_number: '14155550100', text: null, has_key: false });
    // A batch of one row still works through the whole window.
    for (const uuid of [month, alsoMonth]) expect(await row(uuid)).toEqual({ from_number: '12025550***', to_number: '14155550100', text: null, has_key: false });
    expect(run.numbersRedacted).toBeGreaterThanOrEqual(2);
    expect(await db.query(`SELECT to_number FROM unassigned_inbound WHERE to_number IN ($1, $2)`, [oldTo, newTo])).toEqual([{ to_number: newTo }]);
    expect(run.unassignedDeleted).toBeGreaterThanOrEqual(1);
  });

  it('lets one replica at a time work (advisory lock)', async () => {
    const retention = await gateway();
    const other = db.createQueryRunner();
    await other.connect();
    try {
      // Another replica holds the lock: this one skips its turn.
      await other.query(`SELECT pg_advisory_lock($1)`, [RETENTION_LOCK_ID]);
      expect((await retention.runOnce()).ran).toBe(false);
      await other.query(`SELECT pg_advisory_unlock($1)`, [RETENTION_LOCK_ID]);
      expect((await retention.runOnce()).ran).toBe(true);
    } finally {
      await other.release();
    }
  });
});
