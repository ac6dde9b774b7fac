// Whatever a client sends, the answer is a Plivo error body with a 4xx (or a 2xx), never a 500.
import fc from 'fast-check';
import { Admin, basic, startTestGateway, TestGateway } from './gateway-harness';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

describe('HTTP errors', () => {
  let gateway: TestGateway;
  let account: { authId: string; authToken: string };
  let messages: string;
  /** A number of the account, so that some generated sends are accepted. */
  let src: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ BODY_LIMIT_BYTES: String(64 * 1024) });
    account = await new Admin(gateway.url).account({ api_request_rate: 100_000 });
    src = `+${await new Admin(gateway.url).sender(account.authId)}`;
    messages = `${gateway.url}/v1/Account/${account.authId}/Message/`;
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
  });

  async function call(url: string, init: RequestInit = {}): Promise<Answer> {
    const response = await fetch(url, init);
    const text = await response.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { unparsable: text };
    }
    return { status: response.status, body, headers: response.headers };
  }

  function post(body: string | Uint8Array, contentType?: string, auth = basic(account)): Promise<Answer> {
    return call(messages, { method: 'POST', headers: { authorization: auth, ...(contentType ? { 'content-type': contentType } : {}) }, body });
  }

  function expectPlivoError(answer: Answer, status: number, error?: RegExp): void {
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ api_id: expect.stringMatching(/^[0-9a-f-]{36}$/), error: expect.any(String) });
    if (error) expect(answer.body['error']).toMatch(error);
  }

  it.each<[string, () => Promise<Answer>, number, RegExp]>([
    ['malformed JSON', () => post('{"src": "1415', 'application/json'), 400, /malformed request body|not valid JSON/],
    ['an empty JSON body', () => post('', 'application/json'), 400, /empty|cannot be empty/i],
    ['a JSON array', () => post('[1,2,3]', 'application/json'), 400, /^request body must be a JSON object/],
    ['a JSON string', () => post('"hello"', 'application/json'), 400, /^request body must be a JSON object/],
    ['prototype poisoning', () => post('{"__proto__": {"admin": true}}', 'application/json'), 400, /./],
    ['a body over the limit', () => post(JSON.stringify({ text: 'x'.repeat(70 * 1024) }), 'application/json'), 413, /too large/],
    ['a content type the API does not take', () => post('<xml/>', 'application/xml'), 415, /unsupported content type/],
    ['plain text', () => post('src=1', 'text/plain'), 400, /^request body must be a JSON object/],
    ['no credentials', () => call(messages, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 401, /authentication required/],
    ['credentials that are not Basic', () => call(messages, { headers: { authorization: 'Bearer abc' } }), 401, /authentication required/],
    ['Basic with garbage', () => call(messages, { headers: { authorization: 'Basic %%%' } }), 401, /authentication required/],
    ['an auth id of the wrong shape', () => call(messages, { headers: { authorization: basic({ authId: 'XX123', authToken: 't' }) } }), 401, /authentication failed/],
    ['an unknown auth id', () => call(messages, { headers: { authorization: basic({ authId: 'MAZZZZZZZZZZZZZZZZZZ', authToken: 't' }) } }), 401, /authentication failed/],
    ['another account in the path', () => call(`${gateway.url}/v1/Account/MAZZZZZZZZZZZZZZZZZZ/Message/`, { headers: { authorization: basic(account) } }), 401, /does not match/],
    ['DELETE on the message list', () => call(messages, { method: 'DELETE', headers: { authorization: basic(account) } }), 405, /method not allowed/],
    ['PUT on a message', () => call(`${messages}0f1e2d3c-4b5a-4678-9abc-def012345678/`, { method: 'PUT', headers: { authorization: basic(account) } }), 405, /method not allowed/],
    ['POST on media', () => call(`${messages}0f1e2d3c-4b5a-4678-9abc-def012345678/Media/`, { method: 'POST', headers: { authorization: basic(account) } }), 405, /method not allowed/],
    ['an unknown path', () => call(`${gateway.url}/v1/Account/${account.authId}/Call/`, { headers: { authorization: basic(account) } }), 404, /not found/],
    ['a message id that is no uuid', () => call(`${messages}..%2F..%2Fetc/`, { headers: { authorization: basic(account) } }), 404, /not found/],
    ['a malformed URL', () => call(`${messages}%E0%A4%A/`, { headers: { authorization: basic(account) } }), 400, /malformed URL/],
    ['the admin API without its token', () => call(`${gateway.url}/admin/v1/accounts`, { headers: { authorization: basic(account) } }), 401, /admin API/],
  ])('%s', async (_case, request, status, error) => {
    expectPlivoError(await request(), status, error);
  });

  it('names Allow on a 405', async () => {
    const answer = await call(messages, { method: 'PATCH', headers: { authorization: basic(account) } });
    expect(answer.headers.get('allow')).toBe('GET, POST');
  });

  it('answers any JSON body with 202 or a 400 naming a parameter', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 2 }),
      fc.constantFrom(src, '12025550123<12025550124', 'true', 'false', 'mms', 'GET', '60', 'https://example.com/x', '\u0000', '\ud800', '😀'.repeat(400)),
    );
    const body = fc.record(
      {
        src: fc.oneof(value, fc.constant(src)),
        dst: fc.oneof(value, fc.constant('+12025550123')),
        text: fc.oneof(value, fc.constant('hello')),
        type: value,
        url: value,
        method: value,
        log: value,
        message_expiry: value,
        media_urls: value,
        powerpack_uuid: value,
        trackable: value,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const answer = await post(JSON.stringify(payload), 'application/json');
        if (answer.status === 202) {
          expect(answer.body).toMatchObject({ message: 'message(s) queued', message_uuid: expect.any(Array) });
        } else {
          expectPlivoError(answer, 400, /^[a-z_[\]0-9 ]+: |^request body/);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('answers arbitrary bytes under any content type without a 5xx', async () => {
    const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'application/json; charset=utf-16');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), contentType, async (bytes, type) => {
        const answer = await post(bytes, type);
        expect(answer.status).toBeLessThan(500);
        if (answer.status >= 400) expectPlivoError(answer, answer.status);
      }),
      { numRuns: 100 },
    );
  });

  it('answers odd query strings on the list with 200 or 400', async () => {
    const param = fc.constantFrom('limit', 'offset', 'message_state', 'message_time__gt', 'error_code', 'subaccount', 'powerpack_id', 'message_type');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(param, fc.string({ unit: 'binary', maxLength: 30 })), { maxLength: 4 }), async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        const answer = await call(`${messages}?${query}`, { headers: { authorization: basic(account) } });
        expect([200, 400]).toContain(answer.status);
        if (answer.status === 400) expectPlivoError(answer, 400, /^[a-z_]+: /);
      }),
      { numRuns: 100 },
    );
  });
});
