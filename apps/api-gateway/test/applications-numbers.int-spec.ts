// Plivo's Application and Number APIs driven by the official plivo Node SDK (its Application
// calls routed to the gateway, see routePlivoVoiceApi), the rules on accounts and subaccounts,
// the 400s that name the parameter, and the admin send endpoint Message XML replies use.
import { routePlivoVoiceApi, testNumber } from '@sluice/testing';
import { connectTestDatabase, registerTestSender } from '@sluice/testing-data';
import { Client } from 'plivo';
import type { DataSource } from 'typeorm';
import { Admin, ADMIN_TOKEN, basic, startTestGateway, TestGateway } from './gateway-harness';

interface Account {
  authId: string;
  authToken: string;
}

/** What the SDK resolves at run time (camelCased Plivo fields). */
type SdkObject = Record<string, unknown>;
interface SdkList extends Array<SdkObject> {
  meta: { limit: number; offset: number; totalCount: number; previous: string | null; next: string | null };
}
interface SdkApplications {
  create(appName: string, params?: Record<string, unknown>): Promise<SdkObject>;
  get(appId: string): Promise<SdkObject>;
  list(params?: Record<string, unknown>): Promise<SdkList>;
  update(appId: string, params: Record<string, unknown>): Promise<SdkObject>;
  delete(appId: string): Promise<boolean>;
}
interface SdkNumbers {
  list(params?: Record<string, unknown>): Promise<SdkList>;
  get(number: string): Promise<SdkObject>;
  update(number: string, params: Record<string, unknown>): Promise<SdkObject>;
}
interface Sdk {
  applications: SdkApplications;
  numbers: SdkNumbers;
}

/** The HTTP status of a failed SDK call: a PlivoRestError's `status`, or the status named by the voice API's error class. */
async function statusOf(call: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await call;
  } catch (error: unknown) {
    const e = error as { status?: number; message?: string; name?: string; constructor?: { name?: string } };
    const byClass: Record<string, number> = { InvalidRequestError: 400, AuthenticationError: 401, ResourceNotFoundError: 404 };
    return { status: e.status ?? byClass[e.constructor?.name ?? ''] ?? 0, message: e.message ?? String(error) };
  }
  throw new Error('expected the SDK call to fail');
}

describe('Application and Number APIs (plivo Node SDK)', () => {
  let gateway: TestGateway;
  let admin: Admin;
  let db: DataSource;
  let unroute: () => void;

  const sdk = (account: Account): Sdk => new Client(account.authId, account.authToken, { url: `${gateway.url}/v1/Account/${account.authId}` }) as unknown as Sdk;

  async function call(account: Account, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${gateway.url}/v1/Account/${account.authId}/${path}`, {
      method,
      headers: { authorization: basic(account), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  beforeAll(async () => {
    [gateway, db] = await Promise.all([startTestGateway(), connectTestDatabase()]);
    admin = new Admin(gateway.url);
    unroute = routePlivoVoiceApi(gateway.url);
  }, 60_000);

  afterAll(async () => {
    unroute?.();
    await Promise.all([gateway?.close(), db?.destroy()]);
  });

  it('creates, gets, lists, changes and deletes an application with the fields the SDK sends and reads', async () => {
    const account = await admin.account();
    const plivo = sdk(account);
    const created = await plivo.applications.create('replies', {
      messageUrl: 'https://example.com/inbound',
      messageMethod: 'GET',
      logIncomingMessages: false,
      answerUrl: 'https://example.com/answer',
      hangupMethod: 'GET',
    });
    expect(created).toMatchObject({ message: 'created', appId: expect.stringMatching(/^\d{17}$/), apiId: expect.any(String) });
    const appId = created['appId'] as string;

    // The SDK's Application object has no messageUrl field (it drops it from the answer): the raw answer has it.
    expect(await plivo.applications.get(appId)).toMatchObject({
      appId,
      appName: 'replies',
      messageMethod: 'GET',
      logIncomingMessage: false,
      answerUrl: 'https://example.com/answer',
      answerMethod: 'POST',
      hangupMethod: 'GET',
      defaultApp: false,
      enabled: true,
      resourceUri: `/v1/Account/${account.authId}/Application/${appId}/`,
      subAccount: null,
    });
    expect((await call(account, 'GET', `Application/${appId}/`)).body).toMatchObject({ message_url: 'https://example.com/inbound', log_incoming_message: false });

    const second = (await plivo.applications.create('second'))['appId'] as string;
    const firstPage = await plivo.applications.list({ limit: 1 });
    expect(firstPage.map((a) => a['appId'])).toEqual([appId]);
    expect(firstPage.meta).toEqual({ limit: 1, offset: 0, totalCount: 2, previous: null, next: `/v1/Account/${account.authId}/Application/?limit=1&offset=1` });
    expect((await plivo.applications.list({ limit: 1, offset: 1 })).map((a) => a['appId'])).toEqual([second]);

    // Only what is given changes.
    expect(await plivo.applications.update(appId, { messageUrl: 'https://example.com/inbound/v2' })).toMatchObject({ message: 'changed' });
    expect((await call(account, 'GET', `Application/${appId}/`)).body).toMatchObject({
      message_url: 'https://example.com/inbound/v2',
      message_method: 'GET',
      log_incoming_message: false,
      app_name: 'replies',
      answer_url: 'https://example.com/answer',
    });

    expect(await plivo.applications.delete(appId)).toBe(true);
    expect((await statusOf(plivo.applications.get(appId))).status).toBe(404);
    expect((await plivo.applications.list()).map((a) => a['appId'])).toEqual([second]);
  });

  it("lists and reads the account's numbers and assigns one to an application, and unassigns it", async () => {
    const account = await admin.account();
    const plivo = sdk(account);
    const number = await registerTestSender(db, account.authId);
    const tollFree = testNumber('833');
    await db.query(`INSERT INTO phone_numbers (number, account_id, country, number_type, verified) VALUES ($1, $2, 'US', 'toll_free', true)`, [tollFree, account.authId]);
    const appId = (await plivo.applications.create('numbers'))['appId'] as string;

    const listed = await plivo.numbers.list();
    expect(listed.meta).toMatchObject({ totalCount: 2, offset: 0, limit: 20 });
    expect(listed.map((n) => n['number']).sort()).toEqual([number, tollFree].sort());
    expect((await plivo.numbers.list({ type: 'tollfree' })).map((n) => n['number'])).toEqual([tollFree]);
    expect(await plivo.numbers.list({ services: 'voice' })).toHaveLength(0);

    expect(await plivo.numbers.get(`+${number}`)).toMatchObject({
      number,
      application: null,
      numberType: 'local',
      country: 'United States',
      smsEnabled: true,
      voiceEnabled: false,
      resourceUri: `/v1/Account/${account.authId}/Number/${number}/`,
    });
    expect(await plivo.numbers.update(number, { appId, alias: 'desk' })).toMatchObject({ message: 'changed' });
    expect(await plivo.numbers.get(number)).toMatchObject({ application: `/v1/Account/${account.authId}/Application/${appId}/`, alias: 'desk' });
    const [row] = await db.query(`SELECT app_id FROM phone_numbers WHERE number = $1`, [number]);
    expect(row.app_id).toBe(appId);

    expect(await plivo.numbers.update(number, { appId: '' })).toMatchObject({ message: 'changed' });
    expect(await plivo.numbers.get(number)).toMatchObject({ application: null, alias: 'desk' });
    expect(await plivo.numbers.get(tollFree)).toMatchObject({ numberType: 'tollfree', tollFreeSmsVerification: 'VERIFIED' });
  });

  it("keeps each account to its own applications and numbers; a main account also reaches its subaccounts'", async () => {
    const main = await admin.account();
    const sub = await admin.subaccount(main.authId);
    const stranger = await admin.account();
    const mainNumber = await registerTestSender(db, main.authId);
    const subNumber = await registerTestSender(db, sub.authId);
    const mainApp = (await sdk(main).applications.create('main'))['appId'] as string;
    const subApp = (await sdk(main).applications.create('for the sub', { subaccount: sub.authId }))['appId'] as string;

    expect(await sdk(sub).applications.get(subApp)).toMatchObject({ appId: subApp, subAccount: sub.authId, resourceUri: `/v1/Account/${sub.authId}/Application/${subApp}/` });
    expect((await statusOf(sdk(sub).applications.get(mainApp))).status).toBe(404);
    expect((await sdk(main).applications.list()).map((a) => a['appId']).sort()).toEqual([mainApp, subApp].sort());
    expect((await sdk(main).applications.list({ subaccount: sub.authId })).map((a) => a['appId'])).toEqual([subApp]);
    expect((await sdk(sub).applications.list()).map((a) => a['appId'])).toEqual([subApp]);

    // Another account's application and number are unknown to the stranger, whatever it tries.
    expect((await statusOf(sdk(stranger).applications.get(mainApp))).status).toBe(404);
    expect((await statusOf(sdk(stranger).applications.update(mainApp, { messageUrl: 'https://evil.example.com/' }))).status).toBe(404);
    expect((await statusOf(sdk(stranger).applications.delete(mainApp))).status).toBe(404);
    expect((await statusOf(sdk(stranger).numbers.get(mainNumber))).status).toBe(404);
    const strangerNumber = await registerTestSender(db, stranger.authId);
    expect((await statusOf(sdk(stranger).numbers.update(strangerNumber, { appId: mainApp }))).status).toBe(404);
    expect((await statusOf(sdk(sub).numbers.update(subNumber, { appId: mainApp }))).status).toBe(404);

    // The application must be the number's own account's.
    const crossed = await statusOf(sdk(main).numbers.update(subNumber, { appId: mainApp }));
    expect(crossed.status).toBe(400);
    expect(crossed.message).toMatch(/^app_id: /);
    expect(await sdk(main).numbers.update(subNumber, { appId: subApp })).toMatchObject({ message: 'changed' });
    expect(await sdk(sub).numbers.get(subNumber)).toMatchObject({ application: `/v1/Account/${sub.authId}/Application/${subApp}/`, subAccount: sub.authId });
    expect((await sdk(main).numbers.list()).map((n) => n['number']).sort()).toEqual([mainNumber, subNumber].sort());
    expect((await sdk(sub).numbers.list()).map((n) => n['number'])).toEqual([subNumber]);

    // A main account moves a number to its subaccount; the number's application does not follow.
    await sdk(main).numbers.update(mainNumber, { appId: mainApp });
    expect(await sdk(main).numbers.update(mainNumber, { subAccount: sub.authId })).toMatchObject({ message: 'changed' });
    expect(await sdk(sub).numbers.get(mainNumber)).toMatchObject({ subAccount: sub.authId, application: null });
    const notMine = await statusOf(sdk(sub).numbers.update(subNumber, { subAccount: stranger.authId }));
    expect(notMine.status).toBe(400);

    // Deleting an application leaves its numbers without one.
    await sdk(main).applications.delete(subApp);
    expect(await sdk(sub).numbers.get(subNumber)).toMatchObject({ application: null });
  });

  it.each([
    ['POST', 'Application/', {}, /^app_name: is required$/],
    ['POST', 'Application/', { app_name: '  ' }, /^app_name: must not be empty$/],
    ['POST', 'Application/', { app_name: 'x', message_method: 'PUT' }, /^message_method: must be GET or POST$/],
    ['POST', 'Application/', { app_name: 'x', message_url: 'ftp://example.com/x' }, /^message_url: must be an http or https URL/],
    ['POST', 'Application/', { app_name: 'x', log_incoming_messages: 'maybe' }, /^log_incoming_messages: must be true or false$/],
    ['POST', 'Application/', { app_name: 'x', subaccount: 'nope' }, /^subaccount: must be a subaccount auth id/],
    ['POST', 'Application/', { app_name: 'x', subaccount: 'SA0000000000000000AB' }, /^subaccount: is not a subaccount of this account$/],
    ['GET', 'Application/?limit=0', undefined, /^limit: must be a whole number from 1 to 20$/],
    ['GET', 'Number/?type=landline', undefined, /^type: must be one of /],
    ['GET', 'Number/?offset=-1', undefined, /^offset: must be a whole number/],
  ])('answers %s %s %j with a 400 naming the parameter', async (method, path, body, error) => {
    const account = await admin.account();
    const answer = await call(account, method, path, body);
    expect(answer.status).toBe(400);
    expect(answer.body['error']).toMatch(error);
    expect(answer.body['api_id']).toEqual(expect.any(String));
  });

  it('answers a bad app_id with a 400, an unknown method with a 405, and bad credentials with a 401', async () => {
    const account = await admin.account();
    const number = await registerTestSender(db, account.authId);
    const badApp = await call(account, 'POST', `Number/${number}/`, { app_id: 'abc' });
    expect(badApp).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^app_id: /) } });
    expect((await call(account, 'PUT', 'Application/')).status).toBe(405);
    expect((await call(account, 'DELETE', `Number/${number}/`)).status).toBe(405);
    expect((await call({ authId: account.authId, authToken: 'wrong' }, 'GET', 'Application/')).status).toBe(401);
    expect((await call(account, 'GET', 'Application/not-an-id/')).status).toBe(404);
  });

  describe('admin send (Message XML replies)', () => {
    async function adminSend(authId: string, body: unknown, token = ADMIN_TOKEN) {
      const response = await fetch(`${gateway.url}/admin/v1/accounts/${authId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    it("sends as the account through the Message API's send path, with its rules", async () => {
      const account = await admin.account();
      const src = await registerTestSender(db, account.authId);
      const dst = testNumber('202');
      const sent = await adminSend(account.authId, { src, dst, text: 'Thanks, got it', url: 'https://example.com/status', method: 'GET' });
      expect(sent).toMatchObject({ status: 202, body: { message: 'message(s) queued', message_uuid: [expect.any(String)] } });
      const [row] = await db.query(`SELECT account_id, from_number, to_number, text, message_state, callback_url, callback_method FROM messages WHERE message_uuid = $1`, [
        (sent.body['message_uuid'] as string[])[0],
      ]);
      expect(row).toEqual({ account_id: account.authId, from_number: src, to_number: dst, text: 'Thanks, got it', message_state: 'queued', callback_url: 'https://example.com/status', callback_method: 'GET' });

      const missing = await adminSend(account.authId, { src, text: 'no dst' });
      expect(missing).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^dst/) } });
      expect((await adminSend('MA0000000000000000ZZ', { src, dst, text: 'x' })).status).toBe(404);
      expect((await adminSend(account.authId, { src, dst, text: 'x' }, 'not-the-admin-token')).status).toBe(401);
    });
  });
});
