// Inbound messages the whole way from the carrier: SMPP deliver_sm → carrier-dispatch → Postgres → the Message API,
// and STOP / START against the next sends.
import { eventually, testNumber } from '@sluice/testing';
import { connectTestDatabase, createTestAccount, registerTestNumber } from '@sluice/testing-data';
import type { DataSource } from 'typeorm';
import { CallbackReceiver } from './callback-receiver';
import { Platform, startPlatform } from './platform';

type Json = Record<string, unknown>;

describe('inbound messages from the carrier', () => {
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

  const auth = (account: { authId: string; authToken: string }) => `Basic ${Buffer.from(`${account.authId}:${account.authToken}`).toString('base64')}`;

  async function api(account: { authId: string; authToken: string }, path: string, body?: Json): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${platform.gatewayUrl}/v1/Account/${account.authId}/Message/${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: auth(account), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function injectMo(body: Json): Promise<void> {
    const response = await fetch(`${platform.simulatorUrl}/simulator/mo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(202);
  }

  /** The account's inbound records from `mobile`, newest first, once there are `count` of them. */
  async function inboundFrom(account: { authId: string; authToken: string }, mobile: string, count: number): Promise<Json[]> {
    return eventually(
      async () => {
        const page = await api(account, '?message_direction=inbound&limit=20');
        const mine = (page.body['objects'] as Json[]).filter((m) => m['from_number'] === mobile);
        return mine.length >= count ? mine : undefined;
      },
      30_000,
      `${count} inbound message(s) stored`,
    );
  }

  async function metric(name: string, outcome: string): Promise<number> {
    const dispatch = platform.apps.find((a) => a.name === 'carrier-dispatch');
    if (!dispatch) throw new Error('carrier-dispatch is not running');
    const text = await (await fetch(`http://127.0.0.1:${dispatch.port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`outcome="${outcome}"`));
    return line ? Number(line.split(' ')[1]) : 0;
  }

  it('joins a three-part message sent out of order into one received inbound record', async () => {
    const account = await createTestAccount(dataSource);
    const number = testNumber('415');
    await registerTestNumber(dataSource, account.authId, number, { type: 'long_code' });
    const mobile = testNumber('202');
    const text = `${'The quick brown fox jumps over the lazy dog. '.repeat(9)}€nd`;
    // Parts 3, 1, 2, a moment apart: each is answered (and kept in Postgres) before the next comes.
    await injectMo({ source: mobile, destination: number, text, parts: 3, order: [3, 1, 2], intervalMs: 300 });

    const listed = (await inboundFrom(account, mobile, 1))[0] as Json;
    expect(listed).toMatchObject({
      message_direction: 'inbound',
      message_state: 'received',
      message_type: 'sms',
      from_number: mobile,
      to_number: number,
      units: 3,
      error_code: '000',
      text,
    });
    const got = await api(account, `${listed['message_uuid'] as string}/`);
    expect(got).toMatchObject({ status: 200, body: { message_uuid: listed['message_uuid'], text, message_state: 'received' } });
    const states = await api(account, '?message_direction=inbound&message_state=received&limit=20');
    expect((states.body['objects'] as Json[]).map((m) => m['message_uuid'])).toContain(listed['message_uuid']);
    // Nothing is left waiting for a part.
    expect(await dataSource.query(`SELECT 1 FROM inbound_parts WHERE from_number = $1`, [mobile])).toEqual([]);
  });

  it('refuses sends to a recipient who texted STOP (error 200, not charged, with its callback) until START', async () => {
    const account = await createTestAccount(dataSource);
    const number = testNumber('415');
    await registerTestNumber(dataSource, account.authId, number, { type: 'long_code' });
    const mobile = testNumber('202');

    await injectMo({ source: mobile, destination: number, text: ' stop ' });
    await inboundFrom(account, mobile, 1);
    const refused = await api(account, '', { src: number, dst: mobile, text: 'Your code is 1234', url: callbackUrl });
    expect(refused.status).toBe(202);
    const [refusedUuid] = refused.body['message_uuid'] as string[];
    expect((await api(account, `${refusedUuid}/`)).body).toMatchObject({ message_state: 'failed', error_code: '200', total_amount: '0.00000', total_rate: '0.00000' });
    const callbacks = await eventually(
      async () => {
        const got = receiver.forMessage(refusedUuid as string);
        return got.some((c) => c.params['Status'] === 'failed') ? got : undefined;
      },
      30_000,
      'the failed callback of the opted-out recipient',
    );
    expect(callbacks.find((c) => c.params['Status'] === 'failed')?.params).toMatchObject({ From: number, To: mobile, ErrorCode: '200', TotalAmount: '0.00000' });
    expect(await (await fetch(`${platform.simulatorUrl}/simulator/submissions?destination=${mobile}`)).json()).toEqual([]);

    await injectMo({ source: mobile, destination: number, text: 'START' });
    await inboundFrom(account, mobile, 2);
    const accepted = await api(account, '', { src: number, dst: mobile, text: 'Welcome back' });
    const [acceptedUuid] = accepted.body['message_uuid'] as string[];
    await eventually(
      async () => ((await api(account, `${acceptedUuid}/`)).body['message_state'] === 'delivered' ? true : undefined),
      30_000,
      'the send after START delivered',
    );
  });

  it('keeps an MO to a number no account owns as unassigned, and stores no message for it', async () => {
    const before = await metric('sluice_dispatch_inbound_total', 'unassigned');
    const nobodys = testNumber('415');
    const mobile = testNumber('202');
    await injectMo({ source: mobile, destination: nobodys, text: 'anyone there?' });
    const rows = await eventually(
      async () => {
        const found: Json[] = await dataSource.query(`SELECT from_number, to_number, units FROM unassigned_inbound WHERE to_number = $1`, [nobodys]);
        return found.length > 0 ? found : undefined;
      },
      30_000,
      'the unassigned MO kept',
    );
    expect(rows).toEqual([{ from_number: mobile, to_number: nobodys, units: 1 }]);
    expect(await dataSource.query(`SELECT 1 FROM messages WHERE to_number = $1 OR from_number = $2`, [nobodys, mobile])).toEqual([]);
    await eventually(async () => ((await metric('sluice_dispatch_inbound_total', 'unassigned')) > before ? true : undefined), 5_000, 'the unassigned MO counted');
  });
});
