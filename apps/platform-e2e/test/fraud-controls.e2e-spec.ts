// Fraud controls through the whole platform: a country's hourly threshold (451), the monthly spending limit (490)
// and the operator alerts they raise, set through the admin API.
import { eventually, testNumber } from '@sluice/testing';
import { connectTestDatabase, createTestAccount, registerTestSender } from '@sluice/testing-data';
import type { DataSource } from 'typeorm';
import { CallbackReceiver } from './callback-receiver';
import { E2E_ADMIN_TOKEN, Platform, startPlatform } from './platform';

interface Row {
  message_uuid: string;
  to_number: string;
  message_state: string;
  error_code: string;
  total_amount: string;
}

describe('fraud controls', () => {
  let platform: Platform;
  let dataSource: DataSource;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;

  beforeAll(async () => {
    [platform, dataSource, callbackUrl] = await Promise.all([startPlatform(), connectTestDatabase(), receiver.start()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([platform?.stop(), dataSource?.destroy(), receiver.stop()]);
  });

  async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${platform.gatewayUrl}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
  }

  /** One send to several destinations; the rows in the order of `destinations`. */
  async function sendTo(auth: { authId: string; authToken: string }, src: string, destinations: string[]): Promise<Row[]> {
    const response = await fetch(`${platform.gatewayUrl}/v1/Account/${auth.authId}/Message/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${auth.authId}:${auth.authToken}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ src, dst: destinations.join('<'), text: 'fraud controls', url: callbackUrl }),
    });
    expect(response.status).toBe(202);
    const uuids = ((await response.json()) as { message_uuid: string[] }).message_uuid;
    const rows: Row[] = await dataSource.query(
      `SELECT message_uuid, to_number, message_state, error_code, total_amount::text FROM messages WHERE message_uuid = ANY($1::uuid[])`,
      [uuids],
    );
    return destinations.map((dst) => rows.find((r) => r.to_number === dst) ?? ({ to_number: dst } as Row));
  }

  /** The final status each message's callbacks reported, once every one of them has one. */
  async function finalCallbacks(rows: readonly Row[]): Promise<Array<{ Status?: string; ErrorCode?: string; TotalAmount?: string }>> {
    return eventually(
      async () => {
        const finals = rows.map((r) => receiver.forMessage(r.message_uuid).find((c) => ['delivered', 'undelivered', 'failed'].includes(c.params['Status'] ?? ''))?.params);
        return finals.every((c) => c !== undefined) ? finals.filter((c) => c !== undefined) : undefined;
      },
      45_000,
      'a final callback for every message',
      async () => {
        const states: Array<{ message_uuid: string; message_state: string; error_code: string }> = await dataSource.query(
          `SELECT message_uuid, message_state, error_code FROM messages WHERE message_uuid = ANY($1::uuid[])`,
          [rows.map((r) => r.message_uuid)],
        );
        return rows
          .map((r) => {
            const state = states.find((s) => s.message_uuid === r.message_uuid);
            const statuses = receiver.forMessage(r.message_uuid).map((c) => c.params['Status'] ?? '?');
            return `${r.message_uuid}: ${state?.message_state ?? 'no row'} ${state?.error_code ?? ''}, callbacks [${statuses.join(', ')}]`;
          })
          .join('; ');
      },
    );
  }

  it('blocks a country past its hourly threshold with 451, uncharged and reported, and the others go', async () => {
    const account = await createTestAccount(dataSource);
    const src = await registerTestSender(dataSource, account.authId);
    const set = await admin('PUT', `/accounts/${account.authId}/geo-permissions`, {
      allowed_countries: ['US', 'CA'],
      thresholds: [{ country: 'US', messages_per_hour: 2, action: 'block' }],
    });
    expect(set.status).toBe(200);

    const destinations = [testNumber('202'), testNumber('202'), testNumber('202')];
    const rows = await sendTo(account, src, destinations);
    expect(rows.map((r) => r.error_code)).toEqual(['000', '000', '451']);
    expect(rows[2]).toMatchObject({ message_state: 'failed', total_amount: '0.00000' });

    const finals = await finalCallbacks(rows);
    expect(finals.map((c) => c.Status)).toEqual(['delivered', 'delivered', 'failed']);
    expect(finals[2]).toMatchObject({ ErrorCode: '451' });
    const blocked = (await (await fetch(`${platform.simulatorUrl}/simulator/submissions?destination=${destinations[2]}`)).json()) as unknown[];
    expect(blocked).toEqual([]);
  }, 90_000);

  it('fails what would pass the monthly spending limit with 490, uncharged and reported, and alerts the operator at 80 % and 100 %', async () => {
    const account = await createTestAccount(dataSource);
    const src = await registerTestSender(dataSource, account.authId);
    const [{ rate }]: Array<{ rate: string }> = await dataSource.query(
      `SELECT rate_per_unit::text AS rate FROM rate_cards WHERE country = 'US' AND message_type = 'sms' AND direction = 'outbound'`,
    );
    // Room for exactly two one-unit messages.
    const limit = (Number(rate) * 2).toFixed(5);
    expect((await admin('PUT', `/accounts/${account.authId}/spend-limit`, { monthly_limit: limit })).status).toBe(200);

    const rows = await sendTo(account, src, [testNumber('202'), testNumber('202'), testNumber('202')]);
    expect(rows.map((r) => r.error_code)).toEqual(['000', '000', '490']);
    expect(rows[2]).toMatchObject({ message_state: 'failed', total_amount: '0.00000' });
    const finals = await finalCallbacks(rows);
    expect(finals.map((c) => c.Status)).toEqual(['delivered', 'delivered', 'failed']);
    expect(finals[2]).toMatchObject({ ErrorCode: '490' });
    expect(Number(finals[2]?.TotalAmount)).toBe(0);

    // gateway → ops.alerts.v1 → callback-service → ops_alerts, read back through the admin API.
    const alerts = await eventually(
      async () => {
        const listed = await admin('GET', `/alerts?account_id=${account.authId}&kind=spend_limit`);
        const objects = (listed.body as { objects?: Array<{ details: Record<string, unknown> }> }).objects ?? [];
        return objects.length >= 2 ? objects : undefined;
      },
      30_000,
      'the 80 % and 100 % spend alerts',
    );
    expect(alerts).toHaveLength(2);
  }, 90_000);
});
