// The operators' admin API: accounts and subaccounts, sender numbers, brands, powerpacks, rate
// card and carrier prefixes; edits apply on every replica without a restart.
import { must } from '@sluice/contracts';
import { Admin, basic, startTestGateway, TestGateway } from './gateway-harness';

type Json = Record<string, unknown>;

describe('admin API', () => {
  let gateway: TestGateway;
  let admin: Admin;

  beforeAll(async () => {
    gateway = await startTestGateway();
    admin = new Admin(gateway.url);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
  });

  async function send(account: { authId: string; authToken: string }, body: Json, url = gateway.url): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${url}/v1/Account/${account.authId}/Message/`, {
      method: 'POST',
      headers: { authorization: basic(account), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function read(account: { authId: string; authToken: string }, uuid: string): Promise<Json> {
    const response = await fetch(`${gateway.url}/v1/Account/${account.authId}/Message/${uuid}/`, { headers: { authorization: basic(account) } });
    return (await response.json()) as Json;
  }

  const sms = (src: string) => ({ src, dst: '+12025550111', text: 'hi' });

  it('refuses requests without the bearer token, and does not exist without ADMIN_TOKEN', async () => {
    const response = await fetch(`${gateway.url}/admin/v1/accounts`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } });
    expect(response.status).toBe(401);
    const noAdmin = await startTestGateway({ ADMIN_TOKEN: undefined });
    try {
      expect((await fetch(`${noAdmin.url}/admin/v1/accounts`)).status).toBe(404);
    } finally {
      await noAdmin.close();
    }
  });

  it('creates, reads, lists and changes accounts, naming the field of a bad value', async () => {
    const created = await admin.request('POST', '/accounts', { name: 'acme', sms_mps: 10, mms_mps: 0.5, api_request_rate: 50 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ auth_id: expect.stringMatching(/^MA[A-Z0-9]{18}$/), auth_token: expect.stringMatching(/^[A-Za-z0-9]{40}$/), name: 'acme', enabled: true, sms_mps: 10, mms_mps: 0.5, api_request_rate: 50, parent_auth_id: null });
    const authId = created.body['auth_id'] as string;
    expect((await admin.request('GET', `/accounts/${authId}`)).body).not.toHaveProperty('auth_token');
    const patched = await admin.request('PATCH', `/accounts/${authId}`, { sms_mps: 2.5, api_request_rate: null, name: 'acme inc' });
    expect(patched.body).toMatchObject({ sms_mps: 2.5, api_request_rate: null, name: 'acme inc' });
    const listed = await admin.request<{ meta: Json; objects: Json[] }>('GET', '/accounts?limit=100');
    expect(listed.body.meta).toMatchObject({ limit: 100, offset: 0 });

    for (const [body, error] of [
      [{ name: 'x', sms_mps: 0 }, 'sms_mps: must be more than 0'],
      [{ name: 'x', sms_mps: 'fast' }, 'sms_mps: must be a number'],
      [{ name: '' }, 'name: is required'],
      [{ name: 'x', colour: 'red' }, 'body: unknown field(s): colour'],
      [{ name: 'x', api_request_rate: 1.5 }, 'api_request_rate: must be a whole number'],
    ] as const) {
      const refused = await admin.request('POST', '/accounts', body);
      expect(refused).toMatchObject({ status: 400, body: { error: error } });
    }
    expect((await admin.request('GET', '/accounts/MAZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await admin.request('GET', '/accounts?limit=1000')).body).toMatchObject({ error: 'limit: must be 1 to 100' });
  });

  it('creates subaccounts under a main account only', async () => {
    const parent = await admin.account();
    const sub = await admin.request('POST', `/accounts/${parent.authId}/subaccounts`, { name: 'team' });
    expect(sub.body).toMatchObject({ auth_id: expect.stringMatching(/^SA/), parent_auth_id: parent.authId });
    const listed = await admin.request<{ objects: Json[] }>('GET', `/accounts/${parent.authId}/subaccounts`);
    expect(listed.body.objects.map((a) => a['auth_id'])).toEqual([sub.body['auth_id']]);
    expect(await admin.request('POST', `/accounts/${sub.body['auth_id'] as string}/subaccounts`, { name: 'nested' })).toMatchObject({ status: 400, body: { error: 'auth_id: a subaccount cannot have subaccounts' } });
  });

  it('rotates a token and disables an account (and its subaccounts) at once', async () => {
    const account = await admin.account();
    const sub = await admin.subaccount(account.authId);
    const src = await admin.sender(account.authId);
    expect((await send(account, sms(src))).status).toBe(202);
    const rotated = await admin.request<{ auth_token: string }>('POST', `/accounts/${account.authId}/token`);
    expect(rotated.status).toBe(200);
    expect((await send(account, sms(src))).status).toBe(401);
    const renewed = { authId: account.authId, authToken: rotated.body.auth_token };
    expect((await send(renewed, sms(src))).status).toBe(202);

    await admin.request('PATCH', `/accounts/${account.authId}`, { enabled: false });
    expect((await send(renewed, sms(src))).status).toBe(401);
    expect((await send(sub, sms(src))).status).toBe(401);
    await admin.request('PATCH', `/accounts/${account.authId}`, { enabled: true });
    expect((await send(renewed, sms(src))).status).toBe(202);
    expect((await send(sub, sms(src))).status).toBe(202);
  });

  it('applies edits on another replica through Postgres NOTIFY, not a cache expiry', async () => {
    // A ten-minute credential cache: only the notification can make the other replica see the change.
    const [one, two] = await Promise.all([startTestGateway({ AUTH_CACHE_TTL_MS: '600000' }), startTestGateway({ AUTH_CACHE_TTL_MS: '600000' })]);
    try {
      const account = await new Admin(one.url).account();
      const src = await new Admin(one.url).sender(account.authId);
      expect((await send(account, sms(src), two.url)).status).toBe(202);
      await new Admin(one.url).request('POST', `/accounts/${account.authId}/token`);
      let status = 202;
      for (let i = 0; i < 100 && status === 202; i += 1) {
        status = (await send(account, sms(src), two.url)).status;
        if (status === 202) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe(401);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('enforces an account API request rate override with 429 and Retry-After', async () => {
    const account = await admin.account({ api_request_rate: 2 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${gateway.url}/v1/Account/${account.authId}/Message/?limit=1`, { headers: { authorization: basic(account) } })));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    const first = must(limited[0], 'a 429 answer');
    expect(first.headers.get('retry-after')).toBe('1');
    expect(await first.json()).toMatchObject({ error: 'too many requests: the API request rate of this account is exceeded' });
  });

  it('registers sender numbers, 10DLC brands and powerpacks, keeping them within one account', async () => {
    const account = await admin.account();
    const other = await admin.account();
    const brand = await admin.request('POST', '/brands', { account_id: account.authId, name: 'Acme', use_case: 'mixed', vetting_score: 80 });
    expect(brand).toMatchObject({ status: 201, body: { use_case: 'mixed', vetting_score: 80, tmobile_tpd_override: null } });
    const brandId = brand.body['brand_id'] as string;
    expect((await admin.request('PATCH', `/brands/${brandId}`, { tmobile_tpd_override: 500_000 })).body).toMatchObject({ tmobile_tpd_override: 500_000 });
    expect(await admin.request('POST', '/brands', { account_id: account.authId, name: 'x', use_case: 'charity', vetting_score: 80 })).toMatchObject({ status: 400, body: { error: 'use_case: must be one of dedicated, mixed, marketing, low_volume' } });
    expect(await admin.request('POST', '/brands', { account_id: account.authId, name: 'x', use_case: 'mixed', vetting_score: 101 })).toMatchObject({ status: 400, body: { error: 'vetting_score: must be 0 to 100' } });

    const number = `1415555${String(Date.now() % 10_000).padStart(4, '0')}`;
    const put = await admin.request('PUT', `/numbers/+${number}`, { account_id: account.authId, country: 'US', number_type: '10dlc', brand_id: brandId });
    expect(put).toMatchObject({ status: 200, body: { number, number_type: '10dlc', brand_id: brandId, verified: false, powerpack_uuid: null } });
    expect((await admin.request('PUT', `/numbers/${number}`, { account_id: account.authId, country: 'US', number_type: 'toll_free', verified: true })).body).toMatchObject({ number_type: 'toll_free', verified: true, brand_id: null });
    expect(await admin.request('PUT', `/numbers/${number}`, { account_id: other.authId, country: 'US', number_type: '10dlc', brand_id: brandId })).toMatchObject({ status: 400, body: { error: "brand_id: is not one of the account's brands" } });
    expect(await admin.request('PUT', `/numbers/${number}`, { account_id: 'MAZZZZZZZZZZZZZZZZZZ', country: 'US', number_type: 'long_code' })).toMatchObject({ status: 400, body: { error: 'account_id: no such account' } });
    expect(await admin.request('PUT', `/numbers/${number}`, { account_id: account.authId, country: 'GB', number_type: 'long_code' })).toMatchObject({ status: 400, body: { error: 'country: must be US or CA' } });
    expect(await admin.request('PUT', '/numbers/hello', { account_id: account.authId, country: 'US', number_type: 'long_code' })).toMatchObject({ status: 400, body: { error: 'number: must be an E.164 number or a 5–6 digit short code' } });
    const listed = await admin.request<{ objects: Json[] }>('GET', `/numbers?account_id=${account.authId}`);
    expect(listed.body.objects.map((n) => n['number'])).toEqual([number]);

    // A brand still used by a number cannot go.
    await admin.request('PUT', `/numbers/${number}`, { account_id: account.authId, country: 'US', number_type: '10dlc', brand_id: brandId });
    expect((await admin.request('DELETE', `/brands/${brandId}`)).status).toBe(409);
    expect((await admin.request('DELETE', `/numbers/${number}`)).status).toBe(204);
    expect((await admin.request('DELETE', `/numbers/${number}`)).status).toBe(404);
    expect((await admin.request('DELETE', `/brands/${brandId}`)).status).toBe(204);

    const pack = await admin.request('POST', '/powerpacks', { account_id: account.authId, name: 'pool', sticky_sender: false });
    expect(pack.body).toMatchObject({ sticky_sender: false });
    const packId = pack.body['powerpack_uuid'] as string;
    expect(await admin.request('PUT', `/numbers/${number}`, { account_id: other.authId, country: 'US', number_type: 'long_code', powerpack_uuid: packId })).toMatchObject({ status: 400, body: { error: "powerpack_uuid: is not one of the account's powerpacks" } });
    await admin.request('PUT', `/numbers/${number}`, { account_id: account.authId, country: 'US', number_type: 'long_code', powerpack_uuid: packId });
    expect((await admin.request('PATCH', `/powerpacks/${packId}`, { name: 'renamed' })).body).toMatchObject({ name: 'renamed' });
    expect((await admin.request('DELETE', `/powerpacks/${packId}`)).status).toBe(204);
    expect((await admin.request('GET', `/numbers/${number}`)).body).toMatchObject({ powerpack_uuid: null });
  });

  it('prices sends from the rate card as edited, without a restart', async () => {
    const account = await admin.account();
    const mms = { src: await admin.sender(account.authId), dst: '+14165550111', text: 'x', type: 'mms' };
    try {
      expect((await admin.request('PUT', '/rate-cards/CA/mms', { rate_per_unit: '0.02000' })).body).toEqual({ country: 'CA', message_type: 'mms', direction: 'outbound', rate_per_unit: '0.02000' });
      // The inbound price of the same country and type is a price of its own: sends keep the outbound one.
      expect((await admin.request('PUT', '/rate-cards/CA/mms', { rate_per_unit: '0.00700', direction: 'inbound' })).body).toEqual({ country: 'CA', message_type: 'mms', direction: 'inbound', rate_per_unit: '0.00700' });
      expect((await admin.request<{ objects: Json[] }>('GET', '/rate-cards?direction=inbound')).body.objects).toContainEqual({ country: 'CA', message_type: 'mms', direction: 'inbound', rate_per_unit: '0.00700' });
      expect(await admin.request('PUT', '/rate-cards/CA/mms', { rate_per_unit: '1', direction: 'sideways' })).toMatchObject({ status: 400, body: { error: 'direction: must be outbound or inbound' } });
      const priced = await send(account, mms);
      expect(await read(account, must((priced.body['message_uuid'] as string[])[0], 'the uuid of the priced message'))).toMatchObject({ total_rate: '0.02000', total_amount: '0.02000' });
      expect((await admin.request('DELETE', '/rate-cards/CA/mms?direction=inbound')).status).toBe(204);
      expect((await admin.request('DELETE', '/rate-cards/CA/mms')).status).toBe(204);
      // No rate: not a destination Sluice sends to.
      expect(await send(account, mms)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^dst: has no destination Sluice can send to/) } });
      expect(await admin.request('PUT', '/rate-cards/CA/fax', { rate_per_unit: '1' })).toMatchObject({ status: 400, body: { error: 'messageType: must be sms or mms' } });
      expect(await admin.request('PUT', '/rate-cards/CA/mms', { rate_per_unit: '-1' })).toMatchObject({ status: 400 });
    } finally {
      await admin.request('PUT', '/rate-cards/CA/mms', { rate_per_unit: '0.01500' });
      await admin.request('PUT', '/rate-cards/CA/mms', { rate_per_unit: '0', direction: 'inbound' });
    }
  });

  it('edits the carrier prefix table', async () => {
    const prefix = `1999${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
    expect((await admin.request('PUT', `/carrier-prefixes/${prefix}`, { carrier: 'tmobile' })).body).toMatchObject({ prefix, carrier: 'tmobile' });
    const listed = await admin.request<{ objects: Json[] }>('GET', '/carrier-prefixes');
    expect(listed.body.objects).toContainEqual(expect.objectContaining({ prefix, carrier: 'tmobile' }));
    expect(await admin.request('PUT', `/carrier-prefixes/${prefix}`, { carrier: 'vodafone' })).toMatchObject({ status: 400, body: { error: 'carrier: must be one of att, tmobile, verizon, rogers, unknown' } });
    expect((await admin.request('DELETE', `/carrier-prefixes/${prefix}`)).status).toBe(204);
    expect(await admin.request('PUT', '/carrier-prefixes/12a', { carrier: 'att' })).toMatchObject({ status: 400, body: { error: 'prefix: must be 1 to 15 digits (E.164 without the plus)' } });
  });

  it('publishes OpenAPI for both APIs at /docs', async () => {
    const page = await fetch(`${gateway.url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
    expect((await fetch(`${gateway.url}/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
    const spec = (await (await fetch(`${gateway.url}/docs-json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/v1/Account/{authId}/Message', '/v1/Account/{authId}/Message/{messageUuid}', '/admin/v1/accounts', '/admin/v1/numbers/{number}', '/admin/v1/rate-cards/{country}/{messageType}']),
    );
  });
});
