// One SMS the whole way: HTTP → Postgres → Kafka → governor → dispatch → SMPP → receipt → callback.
import { must } from '@sluice/contracts';
import { eventually, testNumber } from '@sluice/testing';
import { connectTestDatabase, createTestAccount, createTestBrand, registerTestNumber, registerTestSender } from '@sluice/testing-data';
import type { DataSource } from 'typeorm';
import { CallbackReceiver } from './callback-receiver';
import { Platform, startPlatform } from './platform';

describe('a message through the whole platform', () => {
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

  async function send(auth: { authId: string; authToken: string }, body: Record<string, unknown>) {
    const response = await fetch(`${platform.gatewayUrl}/v1/Account/${auth.authId}/Message/`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${auth.authId}:${auth.authToken}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('is accepted, delivered by the carrier, reported to the callback url and readable as delivered', async () => {
    const account = await createTestAccount(dataSource);
    const src = await registerTestSender(dataSource, account.authId);
    const dst = testNumber('202');
    const accepted = await send(account, { src, dst: `${dst}<not-a-number`, text: 'Hello from the e2e test', url: callbackUrl });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ message: 'message(s) queued', invalid_number: ['not-a-number'] });
    const messageUuid = must((accepted.body['message_uuid'] as string[])[0], 'the message uuid');

    const callbacks = await eventually(
      async () => {
        const got = receiver.forMessage(messageUuid);
        return got.some((c) => c.params['Status'] === 'delivered') ? got : undefined;
      },
      30_000,
      'the delivered callback',
    );
    const delivered = must(callbacks.find((c) => c.params['Status'] === 'delivered'), 'the delivered callback');
    expect(delivered.method).toBe('POST');
    expect(delivered.params).toMatchObject({ From: src, To: dst, Units: '1', ErrorCode: '000', Sequence: '3' });
    expect(callbacks.map((c) => c.params['Status']).sort()).toEqual(['delivered', 'queued', 'sent']);

    const record = await fetch(`${platform.gatewayUrl}/v1/Account/${account.authId}/Message/${messageUuid}/`, {
      headers: { authorization: `Basic ${Buffer.from(`${account.authId}:${account.authToken}`).toString('base64')}` },
    });
    expect(record.status).toBe(200);
    expect(await record.json()).toMatchObject({ message_uuid: messageUuid, message_state: 'delivered', error_code: '000', to_number: dst });

    const atCarrier = (await (await fetch(`${platform.simulatorUrl}/simulator/submissions?destination=${dst}`)).json()) as unknown[];
    expect(atCarrier).toHaveLength(1);
  });

  it('fails a destination in a barred country with 450 at acceptance: reported to the callback url, never at the carrier, not charged', async () => {
    const account = await createTestAccount(dataSource);
    const src = await registerTestSender(dataSource, account.authId);
    const allowed = testNumber('202');
    // Geo permissions default to US and CA: the UK number is barred, the US one goes.
    const accepted = await send(account, { src, dst: `+442071838750<${allowed}`, text: 'geo permissions', url: callbackUrl });
    expect(accepted.status).toBe(202);
    const rows: Array<{ message_uuid: string; to_number: string; message_state: string; error_code: string; total_amount: string }> = await dataSource.query(
      `SELECT message_uuid, to_number, message_state, error_code, total_amount::text FROM messages WHERE message_uuid = ANY($1::uuid[])`,
      [accepted.body['message_uuid']],
    );
    const barred = rows.find((r) => r.to_number === '442071838750');
    if (!barred) throw new Error('no row for the barred destination');
    expect(barred).toMatchObject({ message_state: 'failed', error_code: '450', total_amount: '0.00000' });

    const callbacks = await eventually(
      async () => {
        const got = receiver.forMessage(barred.message_uuid);
        return got.some((c) => c.params['Status'] === 'failed') ? got : undefined;
      },
      30_000,
      'the failed callback of the barred destination',
    );
    expect(callbacks.map((c) => c.params['Status']).sort()).toEqual(['failed', 'queued']);
    const failed = callbacks.find((c) => c.params['Status'] === 'failed');
    expect(failed?.params).toMatchObject({ From: src, To: '442071838750', ErrorCode: '450' });
    expect(Number(failed?.params['TotalAmount'])).toBe(0);

    const other = rows.find((r) => r.to_number === allowed)?.message_uuid ?? '';
    await eventually(async () => (receiver.forMessage(other).some((c) => c.params['Status'] === 'delivered') ? true : undefined), 30_000, 'the allowed destination delivered');
    const atCarrier = (await (await fetch(`${platform.simulatorUrl}/simulator/submissions?destination=442071838750&source=${src}`)).json()) as unknown[];
    expect(atCarrier).toEqual([]);
  });

  it('answers bad input with a 400 naming the parameter and bad credentials with a 401', async () => {
    const account = await createTestAccount(dataSource);
    const missing = await send(account, { src: '14155550100', text: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body['error']).toMatch(/^dst/);
    expect(missing.body['api_id']).toEqual(expect.any(String));
    const wrong = await send({ authId: account.authId, authToken: 'wrong-token' }, { src: '14155550100', dst: testNumber(), text: 'x' });
    expect(wrong.status).toBe(401);
  });

  it('paces ten sends at 5 MPS as five per one-second window at the carrier', async () => {
    const account = await createTestAccount(dataSource, { smsMps: 5 });
    const src = testNumber('833');
    // A verified toll-free sender (25/s), so the account's 5 MPS is the quota that binds.
    await registerTestNumber(dataSource, account.authId, src, { type: 'toll_free' });
    const dsts = Array.from({ length: 10 }, () => testNumber('303'));
    const accepted = await send(account, { src, dst: dsts.join('<'), text: 'pacing' });
    expect(accepted.status).toBe(202);
    const counts = await eventually(
      async () => {
        // The carrier's clock sees dispatch jitter; a window 200 ms shorter than the quota's keeps the check deterministic.
        const response = await fetch(`${platform.simulatorUrl}/simulator/submissions/count?windowMs=800&source=${src}`);
        const body = (await response.json()) as { total: number; maxInWindow: number };
        return body.total === 10 ? body : undefined;
      },
      30_000,
      'ten submissions at the carrier',
    );
    expect(counts.maxInWindow).toBe(5);
  });

  it('fails T-Mobile messages past the brand daily cap while AT&T traffic is delivered', async () => {
    const account = await createTestAccount(dataSource, { smsMps: 50 });
    const brandId = await createTestBrand(dataSource, account.authId, { vettingScore: 80, tmobileTpdOverride: 2 });
    const src = testNumber('510');
    await registerTestNumber(dataSource, account.authId, src, { type: '10dlc', brandId });
    const tmobile = [testNumber('303'), testNumber('303'), testNumber('303')];
    const att = testNumber('201');
    const accepted = await send(account, { src, dst: [...tmobile, att].join('<'), text: 'daily cap' });
    expect(accepted.status).toBe(202);
    const uuids = accepted.body['message_uuid'] as string[];
    const finals = await eventually(
      async () => {
        const rows: Array<{ to_number: string; message_state: string; error_code: string; total_amount: string }> = await dataSource.query(
          `SELECT to_number, message_state, error_code, total_amount FROM messages WHERE message_uuid = ANY($1::uuid[])`,
          [uuids],
        );
        return rows.every((r) => ['delivered', 'failed'].includes(r.message_state)) ? rows : undefined;
      },
      30_000,
      'every message in a final state',
    );
    const tmobileRows = finals.filter((r) => tmobile.includes(r.to_number));
    expect(tmobileRows.filter((r) => r.message_state === 'delivered')).toHaveLength(2);
    expect(tmobileRows.filter((r) => r.message_state === 'failed')).toEqual([expect.objectContaining({ error_code: '480' })]);
    expect(Number(must(tmobileRows.find((r) => r.message_state === 'failed'), 'the failed T-Mobile message').total_amount)).toBe(0);
    expect(finals.find((r) => r.to_number === att)).toMatchObject({ message_state: 'delivered', error_code: '000' });
  });
});
