// MDR export: `GET /v1/Account/{auth_id}/Message/export/` and the admin twin stream CSV of every
// message the list would show, with its filters and redaction, against real Postgres.
import { connectTestDatabase } from '@sluice/testing-data';
import { eventually, parseCsvRows } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ADMIN_TOKEN, Admin, basic, startTestGateway, TestGateway } from './gateway-harness';

type Account = { authId: string; authToken: string };

describe('MDR export', () => {
  let gateway: TestGateway;
  let admin: Admin;
  let db: DataSource;
  let main: Account;
  let sub: Account;
  let other: Account;
  const now = Date.now();
  const HOUR = 3_600_000;
  const tricky = 'Hi, "Bob"\r\nline two, done';
  const uuids = { plain: randomUUID(), redacted: randomUUID(), failed: randomUUID(), others: randomUUID() };

  async function insert(accountId: string, rootAccountId: string, messageUuid: string, at: number, fields: Record<string, unknown> = {}): Promise<void> {
    const row: Record<string, unknown> = {
      message_uuid: messageUuid,
      account_id: accountId,
      root_account_id: rootAccountId,
      message_time: new Date(at),
      message_direction: 'outbound',
      message_state: 'delivered',
      message_type: 'sms',
      from_number: '14155550100',
      to_number: '12025550123',
      text: 'hello',
      encoding: 'GSM',
      log_mode: 'true',
      units: 1,
      total_rate: '0.00500',
      total_amount: '0.00500',
      error_code: '000',
      message_expiry: 10_800,
      callback_method: 'POST',
      queued_at: new Date(at),
      updated_at: new Date(at),
      destination_country: 'US',
      ...fields,
    };
    const names = Object.keys(row);
    await db.query(`INSERT INTO messages (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(row));
  }

  const exportPath = (account: Account, query = '') => `${gateway.url}/v1/Account/${account.authId}/Message/export/${query}`;
  const get = (url: string, authorization: string) => fetch(url, { headers: { authorization } });

  async function exported(account: Account, query = ''): Promise<Array<Record<string, string>>> {
    const response = await get(exportPath(account, query), basic(account));
    expect(response.status).toBe(200);
    return parseCsvRows(await response.text());
  }

  beforeAll(async () => {
    [gateway, db] = await Promise.all([startTestGateway({ EXPORT_CONCURRENCY: '2' }), connectTestDatabase()]);
    admin = new Admin(gateway.url);
    main = await admin.account();
    sub = await admin.subaccount(main.authId);
    other = await admin.account();
    await insert(main.authId, main.authId, uuids.plain, now - 3 * HOUR, { text: tricky });
    // As the gateway stores a `log=false` message: no text, the number cut to its first digits.
    await insert(main.authId, main.authId, uuids.redacted, now - 2 * HOUR, { text: null, to_number: '12025550***', log_mode: 'false' });
    await insert(sub.authId, main.authId, uuids.failed, now - HOUR, { message_type: 'mms', message_state: 'failed', error_code: '120', total_rate: 0, total_amount: 0 });
    await insert(other.authId, other.authId, uuids.others, now - HOUR);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([gateway?.close(), db?.destroy()]);
  });

  it("streams the account's and its subaccounts' messages, newest first, as a CSV attachment", async () => {
    const response = await get(exportPath(main), basic(main));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="mdr-${main.authId}-\\d{8}T\\d{6}Z\\.csv"$`));
    const text = await response.text();
    expect(text.startsWith('message_uuid,message_time,')).toBe(true);
    const rows = parseCsvRows(text);
    expect(rows.map((r) => r['message_uuid'])).toEqual([uuids.failed, uuids.redacted, uuids.plain]);
    expect(rows[2]).toMatchObject({ text: tricky, to_number: '12025550123', log: 'true', message_state: 'delivered', total_amount: '0.00500' });
    expect(rows[0]).toMatchObject({ message_type: 'mms', message_state: 'failed', error_code: '120', total_amount: '0.00000' });
  });

  it('shows a log=false message redacted, as the list does', async () => {
    const [row] = (await exported(main)).filter((r) => r['message_uuid'] === uuids.redacted);
    expect(row).toMatchObject({ text: '***Text Content Redacted***', to_number: '12025550***', log: 'false' });
    const listed = await (await get(`${gateway.url}/v1/Account/${main.authId}/Message/${uuids.redacted}/`, basic(main))).json();
    expect(listed).toMatchObject({ text: row?.['text'], to_number: row?.['to_number'], log: false });
  });

  it('takes the list filters', async () => {
    const ids = async (query: string) => (await exported(main, query)).map((r) => r['message_uuid']);
    expect(await ids('?message_state=failed')).toEqual([uuids.failed]);
    expect(await ids('?error_code=120&message_type=mms')).toEqual([uuids.failed]);
    expect(await ids(`?subaccount=${sub.authId}`)).toEqual([uuids.failed]);
    const cut = new Date(now - 1.5 * HOUR).toISOString();
    expect(await ids(`?message_time__lt=${encodeURIComponent(cut)}`)).toEqual([uuids.redacted, uuids.plain]);
    expect(await ids('?message_state=queued')).toEqual([]);
  });

  it("gives a subaccount its own messages only, and another account's none of them", async () => {
    expect((await exported(sub)).map((r) => r['message_uuid'])).toEqual([uuids.failed]);
    expect((await exported(other)).map((r) => r['message_uuid'])).toEqual([uuids.others]);
  });

  it('answers bad filters, limit and offset with the 400s of the list, in Plivo’s error shape', async () => {
    for (const [account, query, error] of [
      [main, '?message_state=lost', /^message_state: must be one of/],
      [main, '?message_time__gte=yesterday', /^message_time__gte: must be a time like/],
      [main, '?limit=100', /^limit: the export has no pages/],
      [main, '?offset=20', /^offset: the export has no pages/],
      [main, `?subaccount=${other.authId.replace(/^MA/, 'SA')}`, /^subaccount: is not a subaccount of this account/],
      [sub, `?subaccount=${sub.authId}`, /^subaccount: is not a subaccount of this account/],
    ] as const) {
      const response = await get(exportPath(account, query), basic(account));
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ api_id: expect.any(String), error: expect.stringMatching(error) });
    }
  });

  it('is not taken for a message uuid, with or without the trailing slash, and needs the account’s credentials', async () => {
    expect((await get(`${gateway.url}/v1/Account/${main.authId}/Message/export`, basic(main))).status).toBe(200);
    expect((await get(exportPath(main), basic(other))).status).toBe(401);
    expect((await get(exportPath(main), `Basic ${Buffer.from(`${main.authId}:wrong-token`).toString('base64')}`)).status).toBe(401);
  });

  it('has an admin twin that exports an account as the account would, behind the bearer token', async () => {
    const twin = (authId: string, query = '', token = ADMIN_TOKEN) =>
      fetch(`${gateway.url}/admin/v1/accounts/${authId}/messages/export${query}`, { headers: { authorization: `Bearer ${token}` } });
    const response = await twin(main.authId);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parseCsvRows(await response.text());
    expect(rows.map((r) => r['message_uuid'])).toEqual([uuids.failed, uuids.redacted, uuids.plain]);
    expect(rows[1]).toMatchObject({ text: '***Text Content Redacted***', to_number: '12025550***' });
    expect(parseCsvRows(await (await twin(sub.authId)).text()).map((r) => r['message_uuid'])).toEqual([uuids.failed]);
    expect(parseCsvRows(await (await twin(main.authId, '?message_state=delivered')).text()).map((r) => r['message_uuid'])).toEqual([uuids.redacted, uuids.plain]);
    expect((await twin(main.authId, '?message_state=lost')).status).toBe(400);
    expect((await twin('MAZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await twin(main.authId, '', 'wrong-token-wrong-token')).status).toBe(401);
    expect((await fetch(`${gateway.url}/admin/v1/accounts/${main.authId}/messages/export`)).status).toBe(401);
  });

  describe('a large export', () => {
    let big: Account;
    const ROWS = 60_000;

    beforeAll(async () => {
      big = await admin.account();
      await db.query(
        `INSERT INTO messages (message_uuid, account_id, root_account_id, message_time, message_direction, message_state, message_type,
                               from_number, to_number, text, encoding, log_mode, units, total_rate, total_amount, error_code,
                               message_expiry, callback_method, queued_at, updated_at, destination_country)
         SELECT gen_random_uuid(), $1, $1, t, 'outbound', 'delivered', 'sms', '14155550100', '12025550123',
                'a message long enough to make the export of many rows take several megabytes', 'GSM', 'true', 1, 0.005, 0.005, '000',
                10800, 'POST', t, t, 'US'
         FROM generate_series(1, $2) i, LATERAL (SELECT now() - i * interval '1 second' AS t) tt`,
        [big.authId, ROWS],
      );
    }, 60_000);

    it('streams every row without a page limit', async () => {
      const response = await get(exportPath(big), basic(big));
      let bytes = 0;
      let lines = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        for (const byte of chunk) if (byte === 0x0a) lines += 1;
      }
      expect(lines).toBe(ROWS + 1);
      expect(bytes).toBeGreaterThan(ROWS * 100);
    });

    it('holds one connection while the client reads, stops at EXPORT_CONCURRENCY, and frees the connection when the client goes away', async () => {
      // Backends whose last statement is the export's and that have not finished it: a cursor still open.
      const openCursors = async (): Promise<number> => {
        const [row] = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND query LIKE '%AS "messageUuid"%' AND pid <> pg_backend_pid()`,
        );
        return (row as { n: number }).n;
      };
      expect(await openCursors()).toBe(0);
      // Two exports whose readers stop after the first bytes: backpressure keeps their cursors open.
      const readers = [new AbortController(), new AbortController()];
      try {
        for (const reader of readers) {
          const response = await fetch(exportPath(big), { headers: { authorization: basic(big) }, signal: reader.signal });
          expect(response.status).toBe(200);
          const first = await response.body?.getReader().read();
          expect(first?.done).toBe(false);
        }
        // A backend reports its state a moment after its first rows are sent.
        await eventually(async () => ((await openCursors()) === 2 ? true : undefined), 10_000, 'both exports to hold a cursor open', async () => `${await openCursors()} open`);
        const third = await get(exportPath(big), basic(big));
        expect(third.status).toBe(429);
        expect(third.headers.get('retry-after')).toBe('30');
        expect(await third.json()).toEqual({ api_id: expect.any(String), error: expect.stringMatching(/exports are already running/) });
      } finally {
        for (const reader of readers) reader.abort();
      }
      await eventually(async () => ((await openCursors()) === 0 ? true : undefined), 10_000, 'the aborted exports to close their cursors', async () => `${await openCursors()} open`);
      // Other work borrows connections only for a moment, so a leaked one would keep this above zero.
      const pool = (gateway.app.get(DataSource).driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
      await eventually(async () => (pool.totalCount === pool.idleCount ? true : undefined), 10_000, 'every pooled connection to be idle', async () => `${pool.totalCount - pool.idleCount} in use`);
      // The slots and the connections came back clean: exports and a list work again.
      expect((await exported(main)).length).toBe(3);
      expect((await exported(sub)).length).toBe(1);
      expect((await get(`${gateway.url}/v1/Account/${main.authId}/Message/`, basic(main))).status).toBe(200);
    });
  });
});
