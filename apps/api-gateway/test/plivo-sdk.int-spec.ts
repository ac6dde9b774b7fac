// The official plivo Node SDK, pointed at the gateway with the client's `url` option only,
// drives send / get / list / media and the error cases against real Postgres and Kafka.
import { must } from '@sluice/contracts';
import { connectTestDatabase } from '@sluice/testing-data';
import { Client } from 'plivo';
import type { DataSource } from 'typeorm';
import { Admin, basic, MediaServer, startTestGateway, TestGateway } from './gateway-harness';

const PLIVO_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Account {
  authId: string;
  authToken: string;
}

/** What the SDK resolves at run time; its bundled .d.ts types `list` and the object form of `create` differently. */
interface SdkMessage {
  [field: string]: unknown;
  messageUuid: string;
  fromNumber: string;
  toNumber: string;
  errorCode: string;
  totalAmount: string;
  resourceUri: string;
}
interface SdkList extends Array<SdkMessage> {
  meta: { limit: number; offset: number; totalCount: number; previous: string | null; next: string | null };
}
interface SdkMessages {
  create(...args: unknown[]): Promise<{ apiId: string; message: string; messageUuid: string[]; invalid_number?: string[] }>;
  get(messageUuid: string): Promise<SdkMessage>;
  list(params: Record<string, unknown>): Promise<SdkList>;
  listMedia(messageUuid: string): Promise<{ apiId: string; objects: Array<Record<string, unknown>> }>;
}

/** The SDK rejects with a PlivoRestError carrying the HTTP status, the body's `error` as message and its `api_id`. */
async function failure(call: Promise<unknown>): Promise<{ status: number; error: string; apiId: string }> {
  try {
    await call;
  } catch (error: unknown) {
    const e = error as { status?: number; message?: string; apiID?: string };
    return { status: e.status ?? 0, error: e.message ?? String(error), apiId: e.apiID ?? '' };
  }
  throw new Error('expected the SDK call to fail');
}

let seq = 0;
/** A destination unique to this run (the prefix table routes 1202 to AT&T). */
function destination(area = '202'): string {
  seq += 1;
  return `+1${area}55${String((Date.now() + seq) % 100_000).padStart(5, '0')}`;
}

describe('Plivo Node SDK against the gateway', () => {
  let gateway: TestGateway;
  let admin: Admin;
  let db: DataSource;
  const media = new MediaServer();
  let mediaUrl: string;

  const client = (account: Account, url = gateway.url): { messages: SdkMessages } =>
    new Client(account.authId, account.authToken, { url: `${url}/v1/Account/${account.authId}` }) as unknown as { messages: SdkMessages };

  beforeAll(async () => {
    [gateway, db, mediaUrl] = await Promise.all([startTestGateway(), connectTestDatabase(), media.start()]);
    admin = new Admin(gateway.url);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([gateway?.close(), db?.destroy(), media.stop()]);
  });

  it('sends, gets and lists an SMS with Plivo field names, formats and prices', async () => {
    const account = await admin.account();
    const plivo = client(account);
    const src = await admin.sender(account.authId);
    const dst = destination();
    const sent = await plivo.messages.create(`+${src}`, `${dst}<not-a-number<${dst}`, 'Hello from the SDK', { url: 'https://example.com/status', method: 'POST' });
    expect(sent).toMatchObject({ message: 'message(s) queued', invalid_number: ['not-a-number'] });
    expect(sent.apiId).toMatch(UUID);
    expect(sent.messageUuid).toHaveLength(1);

    const message = await plivo.messages.get(sent.messageUuid[0]);
    expect(message).toMatchObject({
      messageUuid: sent.messageUuid[0],
      messageDirection: 'outbound',
      messageState: 'queued',
      messageType: 'sms',
      fromNumber: src,
      toNumber: dst.slice(1),
      units: 1,
      totalRate: '0.00500',
      totalAmount: '0.00500',
      errorCode: '000',
      destinationCountryIso2: 'US',
      log: true,
      resourceUri: `/v1/Account/${account.authId}/Message/${sent.messageUuid[0]}/`,
    });
    expect(message.messageTime).toMatch(PLIVO_TIME);

    // Committed with its queued history before the 202.
    const [row] = await db.query(`SELECT message_state, text, sequence FROM messages WHERE message_uuid = $1`, [sent.messageUuid[0]]);
    expect(row).toEqual({ message_state: 'queued', text: 'Hello from the SDK', sequence: 1 });
  });

  it('counts units and prices per unit: a 161-character GSM text is two units, a Unicode one is UCS-2', async () => {
    const account = await admin.account();
    const plivo = client(account);
    const src = await admin.sender(account.authId);
    const long = await plivo.messages.create(src, destination(), 'a'.repeat(161));
    expect(await plivo.messages.get(long.messageUuid[0])).toMatchObject({ units: 2, totalRate: '0.00500', totalAmount: '0.01000' });
    const unicode = await plivo.messages.create(src, destination('416'), `${'ж'.repeat(70)}😀`);
    // Canada (416) has its own rate; the emoji is two UTF-16 units: 72 > 70, so 2 parts of 67.
    expect(await plivo.messages.get(unicode.messageUuid[0])).toMatchObject({ units: 2, destinationCountryIso2: 'CA', totalRate: '0.00450', totalAmount: '0.00900' });
  });

  it('lists newest first with limit, offset, filters and meta.next / meta.previous paths', async () => {
    const account = await admin.account();
    const plivo = client(account);
    const src = await admin.sender(account.authId);
    const sent = await plivo.messages.create(src, [destination(), destination(), destination()].join('<'), 'list me');
    expect(sent.messageUuid).toHaveLength(3);
    const tooLong = await plivo.messages.create(src, destination(), 'x'.repeat(1_601));

    const first = await plivo.messages.list({ limit: 2, offset: 0 });
    expect(first).toHaveLength(2);
    expect(first.meta).toMatchObject({ limit: 2, offset: 0, totalCount: 4, previous: null, next: `/v1/Account/${account.authId}/Message/?limit=2&offset=2` });
    const second = await plivo.messages.list({ limit: 2, offset: 2 });
    expect(second.meta).toMatchObject({ totalCount: 4, next: null, previous: `/v1/Account/${account.authId}/Message/?limit=2&offset=0` });
    const all = [...first, ...second].map((m) => m.messageUuid);
    expect(new Set(all)).toEqual(new Set([...sent.messageUuid, ...tooLong.messageUuid]));

    const failed = await plivo.messages.list({ message_state: 'failed' });
    expect(failed.map((m) => [m.messageUuid, m.errorCode, m.totalAmount])).toEqual([[tooLong.messageUuid[0], '110', '0.00000']]);
    expect(await plivo.messages.list({ error_code: 110 })).toHaveLength(1);
    expect(await plivo.messages.list({ message_direction: 'outbound', message_type: 'sms', limit: 20 })).toHaveLength(4);
    expect(await plivo.messages.list({ message_type: 'mms' })).toHaveLength(0);
    expect(await plivo.messages.list({ message_time__gt: '2000-01-01 00:00:00', message_time__lte: '2999-01-01 00:00:00' })).toHaveLength(4);
    expect(await plivo.messages.list({ message_time__lt: '2000-01-01 00:00:00' })).toHaveLength(0);
  });

  it('sends an MMS whose media answer with a type and a length, and lists its media', async () => {
    const account = await admin.account();
    const plivo = client(account);
    const src = await admin.sender(account.authId);
    const sent = await plivo.messages.create(src, destination(), 'look', {
      type: 'mms',
      media_urls: [`${mediaUrl}/png/1000/a.png`, `${mediaUrl}/redirect/2000`],
    });
    const message = await plivo.messages.get(sent.messageUuid[0]);
    expect(message).toMatchObject({ messageType: 'mms', units: 1, totalRate: '0.01500', totalAmount: '0.01500', messageState: 'queued' });
    const listed = await plivo.messages.listMedia(sent.messageUuid[0]);
    expect(listed.objects).toEqual([
      expect.objectContaining({ contentType: 'image/png', size: 1000, mediaUrl: `${mediaUrl}/png/1000/a.png`, messageUuid: sent.messageUuid[0], fileName: 'a.png', mediaId: expect.stringMatching(UUID) }),
      expect.objectContaining({ contentType: 'image/png', size: 2000, mediaUrl: `${mediaUrl}/redirect/2000` }),
    ]);
    // An SMS has no media.
    const sms = await plivo.messages.create(src, destination(), 'plain');
    expect((await plivo.messages.listMedia(sms.messageUuid[0])).objects).toEqual([]);
  });

  it('accepts an MMS over the size limits and fails it with error 120, uncharged; refuses media Plivo would refuse', async () => {
    const account = await admin.account();
    const plivo = client(account);
    const src = await admin.sender(account.authId);
    const big = await plivo.messages.create(src, destination(), 'big', { type: 'mms', media_urls: [`${mediaUrl}/png/3000000`] });
    expect(await plivo.messages.get(big.messageUuid[0])).toMatchObject({ messageState: 'failed', errorCode: '120', totalAmount: '0.00000' });
    for (const [path, error] of [
      ['html/10', /^media_urls\[0\]: content type text\/html is not supported/],
      ['chunked/1', /^media_urls\[0\]: the server must answer with a Content-Type and a Content-Length/],
      ['missing/1', /^media_urls\[0\]: could not be fetched: the server answered HTTP 404/],
    ] as const) {
      const body = await failure(plivo.messages.create(src, destination(), 'x', { type: 'mms', media_urls: [`${mediaUrl}/${path}`] }));
      expect(body.error).toMatch(error);
    }
  });

  it('refuses media on private addresses unless allowed', async () => {
    const strict = await startTestGateway({ MEDIA_ALLOWED_HOSTS: '' });
    try {
      const account = await new Admin(strict.url).account();
      const plivo = client(account, strict.url);
      const src = await new Admin(strict.url).sender(account.authId);
      const body = await failure(plivo.messages.create(src, destination(), 'x', { type: 'mms', media_urls: [`${mediaUrl}/png/10`] }));
      expect(body.error).toBe('media_urls[0]: points to a private or local address');
    } finally {
      await strict.close();
    }
  });

  it('stores only what `log` allows and reads back the redacted forms', async () => {
    const account = await admin.account();
    const plivo = client(account);
    const src = await admin.sender(account.authId);
    const cases = [
      ['true', true, true],
      ['false', false, false],
      ['number_only', true, false],
      ['content_only', false, true],
    ] as const;
    for (const [log, keepsNumber, keepsText] of cases) {
      const dst = destination();
      const text = `secret ${log} ${dst}`;
      // The SDK drops a falsy `log` in its object form; positional params pass it as given.
      const sent = await plivo.messages.create(src, dst, text, { log });
      const [row] = await db.query(`SELECT to_number, text, log_mode FROM messages WHERE message_uuid = $1`, [sent.messageUuid[0]]);
      expect(row).toEqual({ to_number: keepsNumber ? dst.slice(1) : `${dst.slice(1, -3)}***`, text: keepsText ? text : null, log_mode: log });
      const read = await plivo.messages.get(sent.messageUuid[0]);
      expect(read.toNumber).toBe(row.to_number);
      expect((read as unknown as { text?: string }).text).toBeUndefined(); // the SDK does not map `text`
      const raw = await fetch(`${gateway.url}/v1/Account/${account.authId}/Message/${sent.messageUuid[0]}/`, { headers: { authorization: basic(account) } });
      expect(((await raw.json()) as { text: string }).text).toBe(keepsText ? text : '***Text Content Redacted***');
    }
    // Nowhere in Postgres at rest: not in the message, not in the outbox.
    const leaked = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE payload::text LIKE '%secret false%' OR payload::text LIKE '%secret number_only%'`);
    expect(leaked[0].n).toBe(0);
  });

  it('answers the error cases with Plivo error bodies: 401, 404, 400 and 429', async () => {
    const account = await admin.account({ api_request_rate: 3 });
    const plivo = client(account);
    const src = await admin.sender(account.authId);
    const sent = await plivo.messages.create(src, destination(), 'mine');

    const wrongToken = client({ authId: account.authId, authToken: 'not-the-token' });
    expect(await failure(wrongToken.messages.get(sent.messageUuid[0]))).toMatchObject({ status: 401, error: 'authentication failed: wrong auth id or auth token', apiId: expect.stringMatching(UUID) });

    expect(await failure(plivo.messages.get('0f1e2d3c-4b5a-4678-9abc-def012345678'))).toMatchObject({ status: 404, error: 'message not found' });
    const bad = await failure(plivo.messages.create({ src, dst: 'nobody', text: 'x' }));
    expect(bad.status).toBe(400);
    expect(bad.error).toMatch(/^dst: has no valid destination/);

    // Another account's message is a 404, not a 403.
    const other = client(await admin.account());
    expect(await failure(other.messages.get(sent.messageUuid[0]))).toMatchObject({ status: 404, error: 'message not found' });

    // 3 requests per second: the burst is spent (one send above, the failures above count too).
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => plivo.messages.list({ limit: 1 })));
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    // The SDK has no class for 429: a plain Error with the status code.
    expect(String(must(refused[0], 'a refused request').reason)).toMatch(/429/);
  });

  it('lets a main account see its subaccounts’ messages, and a subaccount only its own', async () => {
    const parent = await admin.account();
    const sub = await admin.subaccount(parent.authId);
    const sibling = await admin.subaccount(parent.authId);
    expect(sub.authId).toMatch(/^SA[A-Z0-9]{18}$/);
    // A subaccount may send from its parent's numbers.
    const src = await admin.sender(parent.authId);
    const fromParent = await client(parent).messages.create(src, destination(), 'parent');
    const fromSub = await client(sub).messages.create(src, destination(), 'sub');

    expect((await client(parent).messages.get(fromSub.messageUuid[0])).messageUuid).toBe(fromSub.messageUuid[0]);
    expect(await failure(client(sub).messages.get(fromParent.messageUuid[0]))).toMatchObject({ error: 'message not found' });
    expect(await failure(client(sibling).messages.get(fromSub.messageUuid[0]))).toMatchObject({ error: 'message not found' });

    const parentList = await client(parent).messages.list({});
    expect(new Set(parentList.map((m) => m.messageUuid))).toEqual(new Set([fromParent.messageUuid[0], fromSub.messageUuid[0]]));
    expect((await client(parent).messages.list({ subaccount: sub.authId })).map((m) => m.messageUuid)).toEqual([fromSub.messageUuid[0]]);
    expect((await client(sub).messages.list({})).map((m) => m.messageUuid)).toEqual([fromSub.messageUuid[0]]);
    expect((await failure(client(parent).messages.list({ subaccount: parent.authId.replace(/^MA/, 'SA') }))).error).toBe('subaccount: is not a subaccount of this account');
  });

  it('sends from a powerpack: the sender comes from its pool, sticky per destination, and lists by powerpack_id', async () => {
    const account = await admin.account();
    const pack = await admin.request<{ powerpack_uuid: string }>('POST', '/powerpacks', { account_id: account.authId, name: 'pool' });
    expect(pack.status).toBe(201);
    for (const number of ['14155550181', '14155550182']) {
      expect((await admin.request('PUT', `/numbers/${number}`, { account_id: account.authId, country: 'US', number_type: 'long_code', powerpack_uuid: pack.body.powerpack_uuid })).status).toBe(200);
    }
    const plivo = client(account);
    const dst = destination();
    const first = await plivo.messages.create({ powerpackUUID: pack.body.powerpack_uuid, dst, text: 'pooled' });
    const second = await plivo.messages.create({ powerpackUUID: pack.body.powerpack_uuid, dst, text: 'pooled again' });
    const [a, b] = await Promise.all([plivo.messages.get(first.messageUuid[0]), plivo.messages.get(second.messageUuid[0])]);
    expect(['14155550181', '14155550182']).toContain(a.fromNumber);
    expect(b.fromNumber).toBe(a.fromNumber);
    expect(a.powerpackID).toBe(pack.body.powerpack_uuid);
    expect((await plivo.messages.list({ powerpack_id: pack.body.powerpack_uuid })).map((m) => m.messageUuid).sort()).toEqual([first.messageUuid[0], second.messageUuid[0]].sort());

    const stranger = client(await admin.account());
    expect((await failure(stranger.messages.create({ powerpackUUID: pack.body.powerpack_uuid, dst, text: 'x' }))).error).toBe('powerpack_uuid: no such powerpack on this account');
  });

  it('accepts a form-encoded send (as curl -d sends it)', async () => {
    const account = await admin.account();
    const src = await admin.sender(account.authId);
    const dst = destination();
    const response = await fetch(`${gateway.url}/v1/Account/${account.authId}/Message/`, {
      method: 'POST',
      headers: { authorization: basic(account), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ src, dst, text: 'form body', log: 'false', message_expiry: '60' }).toString(),
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { message_uuid: string[] };
    const read = await client(account).messages.get(must(body.message_uuid[0], 'the message uuid'));
    expect(read).toMatchObject({ toNumber: `${dst.slice(1, -3)}***`, log: false });
  });
});
