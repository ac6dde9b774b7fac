// The opt-out list through the admin API, and sends refused with error 200 while a pair is on it.
import { Admin, basic, startTestGateway, TestGateway } from './gateway-harness';

type Json = Record<string, unknown>;

describe('opt-out list', () => {
  let gateway: TestGateway;
  let admin: Admin;

  beforeAll(async () => {
    gateway = await startTestGateway();
    admin = new Admin(gateway.url);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
  });

  async function send(account: { authId: string; authToken: string }, body: Json): Promise<Json> {
    const response = await fetch(`${gateway.url}/v1/Account/${account.authId}/Message/`, {
      method: 'POST',
      headers: { authorization: basic(account), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(202);
    const [uuid] = ((await response.json()) as { message_uuid: string[] }).message_uuid;
    const read = await fetch(`${gateway.url}/v1/Account/${account.authId}/Message/${uuid}/`, { headers: { authorization: basic(account) } });
    return (await read.json()) as Json;
  }

  it('refuses sends from a number to a recipient on the list with 200, uncharged, and sends again once removed', async () => {
    const account = await admin.account();
    const sender = await admin.sender(account.authId);
    const recipient = '12025550177';
    const other = '12025550178';

    const added = await admin.request('POST', '/opt-outs', { account_id: account.authId, sender: `+${sender}`, recipient: '+12025550177' });
    expect(added).toEqual({ status: 201, body: { account_id: account.authId, sender, recipient, source: 'admin', created_at: expect.any(String) } });
    // Adding it again keeps the entry.
    expect((await admin.request('POST', '/opt-outs', { account_id: account.authId, sender, recipient })).body).toEqual(added.body);
    expect((await admin.request('GET', `/opt-outs?account_id=${account.authId}&recipient=${recipient}`)).body).toEqual({ meta: { limit: 20, offset: 0, total_count: 1 }, objects: [added.body] });

    // One request, two destinations: only the opted-out one fails.
    const response = await fetch(`${gateway.url}/v1/Account/${account.authId}/Message/`, {
      method: 'POST',
      headers: { authorization: basic(account), 'content-type': 'application/json' },
      body: JSON.stringify({ src: sender, dst: `${recipient}<${other}`, text: 'hello' }),
    });
    const uuids = ((await response.json()) as { message_uuid: string[] }).message_uuid;
    const records = await Promise.all(
      uuids.map(async (uuid) => (await (await fetch(`${gateway.url}/v1/Account/${account.authId}/Message/${uuid}/`, { headers: { authorization: basic(account) } })).json()) as Json),
    );
    expect(records.find((r) => r['to_number'] === recipient)).toMatchObject({ message_state: 'failed', error_code: '200', error_message: 'Destination number opted out', total_amount: '0.00000' });
    expect(records.find((r) => r['to_number'] === other)).toMatchObject({ message_state: 'queued', error_code: '000', total_amount: '0.00500' });

    expect((await admin.request('DELETE', `/opt-outs?account_id=${account.authId}&sender=${sender}&recipient=${recipient}`)).status).toBe(204);
    expect(await send(account, { src: sender, dst: recipient, text: 'hello again' })).toMatchObject({ message_state: 'queued', error_code: '000' });
    expect((await admin.request('DELETE', `/opt-outs?account_id=${account.authId}&sender=${sender}&recipient=${recipient}`)).status).toBe(404);
  });

  it("keeps one list per main account: a subaccount's number and sends share it", async () => {
    const parent = await admin.account();
    const sub = await admin.subaccount(parent.authId);
    const sender = await admin.sender(sub.authId);
    const recipient = '12025550179';
    expect((await admin.request('POST', '/opt-outs', { account_id: sub.authId, sender, recipient })).body).toMatchObject({ account_id: parent.authId });
    expect((await admin.request<{ objects: Json[] }>('GET', `/opt-outs?account_id=${parent.authId}&sender=${sender}`)).body.objects).toHaveLength(1);
    expect(await send(sub, { src: sender, dst: recipient, text: 'x' })).toMatchObject({ message_state: 'failed', error_code: '200' });
  });

  it("answers sends made at the same time (their lookups share a statement) each from its own account's list", async () => {
    const accounts = await Promise.all([admin.account(), admin.account()]);
    const senders = await Promise.all(accounts.map((a) => admin.sender(a.authId)));
    // Each account blocks the recipient the other one sends to freely.
    const [first, second] = ['12025550181', '12025550182'];
    await admin.request('POST', '/opt-outs', { account_id: accounts[0].authId, sender: senders[0], recipient: first });
    await admin.request('POST', '/opt-outs', { account_id: accounts[1].authId, sender: senders[1], recipient: second });
    const sends = [];
    for (let i = 0; i < 5; i += 1) {
      for (const [n, account] of accounts.entries()) {
        sends.push(send(account, { src: senders[n], dst: first, text: 'x' }).then((r) => ({ n, to: first, state: r['message_state'] })));
        sends.push(send(account, { src: senders[n], dst: second, text: 'x' }).then((r) => ({ n, to: second, state: r['message_state'] })));
      }
    }
    const outcomes = await Promise.all(sends);
    for (const { n, to, state } of outcomes) expect({ n, to, state }).toEqual({ n, to, state: (n === 0 ? to === first : to === second) ? 'failed' : 'queued' });
  });

  it('names the parameter of a bad request', async () => {
    const account = await admin.account();
    const sender = await admin.sender(account.authId);
    const stranger = await admin.sender((await admin.account()).authId);
    expect(await admin.request('GET', '/opt-outs')).toMatchObject({ status: 400, body: { error: 'account_id: is required' } });
    expect(await admin.request('POST', '/opt-outs', { account_id: account.authId, sender, recipient: 'not a number' })).toMatchObject({
      status: 400,
      body: { error: 'recipient: must be an E.164 phone number such as 12025550123' },
    });
    expect(await admin.request('POST', '/opt-outs', { account_id: account.authId, sender: stranger, recipient: '12025550180' })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^sender: is not a number of this account/) },
    });
    expect(await admin.request('POST', '/opt-outs', { account_id: 'MA000000000000000000', sender, recipient: '12025550180' })).toMatchObject({
      status: 400,
      body: { error: 'account_id: no such account' },
    });
    expect(await admin.request('POST', '/opt-outs', { account_id: account.authId, sender, recipient: '12025550180', source: 'x' })).toMatchObject({ status: 400 });
  });
});
