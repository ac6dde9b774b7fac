// Inbound messages through the whole platform, driven by each official SDK (Node and Python):
// the SDK creates an application and assigns its number; the carrier (simulator) sends an MO;
// the Message URL receives it signed so the SDK's validator accepts it and answers with Message
// XML, whose reply reaches the carrier; after STOP, the next send to that mobile fails with 200.
import { eventually, routePlivoVoiceApi, testNumber } from '@sluice/testing';
import { connectTestDatabase, createTestAccount, registerTestSender } from '@sluice/testing-data';
import { execFile } from 'node:child_process';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, validateV3Signature } from 'plivo';
import type { DataSource } from 'typeorm';
import { E2E_ACCOUNT_TOKEN_KEY, Platform, startPlatform } from './platform';

interface Account {
  authId: string;
  authToken: string;
}

interface InboundRequest {
  readonly method: string;
  /** The full url as the receiver sees it: what a validator is given. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly params: Record<string, string>;
}

/** A customer's Message URL: records each request and answers with the XML `reply` gives (or nothing). */
class MessageUrl {
  readonly received: InboundRequest[] = [];
  reply: (request: InboundRequest) => string = () => '';
  private server: Server | null = null;
  url = '';

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const url = `http://${req.headers.host}${req.url ?? '/'}`;
        const params = Object.fromEntries(req.method === 'GET' ? new URL(url).searchParams : new URLSearchParams(body));
        const request = { method: req.method ?? '', url, headers: req.headers, params };
        this.received.push(request);
        const xml = this.reply(request);
        res.writeHead(200, xml ? { 'content-type': 'application/xml' } : {}).end(xml);
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** What the SDK resolves at run time. */
interface NodeSdk {
  applications: { create(name: string, params: Record<string, unknown>): Promise<{ appId: string }> };
  numbers: { update(number: string, params: Record<string, unknown>): Promise<{ message: string }>; get(number: string): Promise<{ application: string | null }> };
  messages: {
    create(src: string, dst: string, text: string): Promise<{ messageUuid: string[] }>;
    get(uuid: string): Promise<{ messageState: string; errorCode: string; messageDirection: string }>;
  };
}

function python(platform: Platform, account: Account, call: string, input: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      [join(__dirname, 'python', 'inbound.py'), call, JSON.stringify(input)],
      { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', GATEWAY_URL: platform.gatewayUrl, AUTH_ID: account.authId, AUTH_TOKEN: account.authToken }, timeout: 60_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`python ${call} failed: ${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Record<string, unknown>)),
    );
  });
}

/** The SDK-facing operations of one scenario, so both SDKs run the same story. */
interface SdkDriver {
  setup(number: string, messageUrl: string): Promise<void>;
  verify(request: InboundRequest): Promise<boolean>;
  send(src: string, dst: string, text: string): Promise<string>;
  get(uuid: string): Promise<{ state: string; errorCode: string; direction: string }>;
}

describe('inbound messages through the whole platform, with each SDK', () => {
  let platform: Platform;
  let dataSource: DataSource;
  const messageUrl = new MessageUrl();
  let unroute: () => void;

  beforeAll(async () => {
    [platform, dataSource] = await Promise.all([startPlatform(), connectTestDatabase(), messageUrl.start()]);
    unroute = routePlivoVoiceApi(platform.gatewayUrl);
  }, 120_000);

  afterAll(async () => {
    unroute?.();
    await Promise.all([platform?.stop(), dataSource?.destroy(), messageUrl.stop()]);
  });

  async function injectMo(source: string, destination: string, text: string): Promise<void> {
    const response = await fetch(`${platform.simulatorUrl}/simulator/mo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source, destination, text }),
    });
    if (response.status !== 202) throw new Error(`MO not injected: ${response.status} ${await response.text()}`);
  }

  async function inboundRequest(from: string, to: string, text: string): Promise<InboundRequest> {
    return eventually(
      async () => messageUrl.received.find((r) => r.params['From'] === from && r.params['To'] === to && r.params['Text'] === text),
      60_000,
      `the Message URL request for "${text}"`,
    );
  }

  /** The message's record once `done` says its state is; the last one read if never. */
  async function settled(sdk: SdkDriver, uuid: string, done: (state: string) => boolean, what: string) {
    return eventually(
      async () => {
        const message = await sdk.get(uuid);
        return done(message.state) ? message : undefined;
      },
      90_000,
      what,
    );
  }

  async function story(sdk: SdkDriver, account: Account, path: string): Promise<void> {
    const number = await registerTestSender(dataSource, account.authId);
    const mobile = testNumber('202');
    await sdk.setup(number, `${messageUrl.url}/${path}`);
    messageUrl.reply = (request) =>
      request.params['To'] === number && request.params['Text'] === 'Hello from a phone'
        ? `<Response><Message src="${number}" dst="${mobile}">Thanks &amp; welcome</Message></Response>`
        : '';

    // 1. The MO reaches the Message URL, signed.
    await injectMo(mobile, number, 'Hello from a phone');
    const request = await inboundRequest(mobile, number, 'Hello from a phone');
    expect(request.method).toBe('POST');
    expect(request.params).toMatchObject({ Type: 'sms', Units: '1', MessageIntent: '' });
    expect(await sdk.verify(request)).toBe(true);
    const inboundUuid = request.params['MessageUUID'] ?? '';
    expect(await settled(sdk, inboundUuid, (state) => state !== 'received', 'the inbound message out of received')).toEqual({
      state: 'delivered',
      errorCode: '000',
      direction: 'inbound',
    });

    // 2. The Message XML reply is sent as the account and reaches the carrier.
    const atCarrier = await eventually(
      async () => {
        const response = await fetch(`${platform.simulatorUrl}/simulator/submissions?destination=${mobile}&source=${number}`);
        const submissions = (await response.json()) as Array<{ source: string; destination: string }>;
        return submissions.length > 0 ? submissions : undefined;
      },
      // The first messages of a fresh platform may wait for the governor's consumer group to settle.
      90_000,
      'the reply at the carrier',
    );
    expect(atCarrier).toHaveLength(1);
    const [attempt] = await dataSource.query(`SELECT reply_message_uuids, reply_error FROM callback_attempts WHERE message_uuid = $1`, [inboundUuid]);
    expect(attempt).toEqual({ reply_message_uuids: [expect.any(String)], reply_error: null });

    // 3. STOP opts the mobile out of this number: the next send to it fails with 200.
    await injectMo(mobile, number, 'STOP');
    const stop = await inboundRequest(mobile, number, 'STOP');
    expect(stop.params['MessageIntent']).toBe('optout');
    const blocked = await sdk.send(number, mobile, 'after STOP');
    expect(await settled(sdk, blocked, (state) => state !== 'queued', 'the send after STOP out of queued')).toEqual({
      state: 'failed',
      errorCode: '200',
      direction: 'outbound',
    });
  }

  it('Node SDK: application, number, signed MO, XML reply delivered, STOP then 200', async () => {
    const account = await createTestAccount(dataSource, { tokenKey: E2E_ACCOUNT_TOKEN_KEY });
    const plivo = new Client(account.authId, account.authToken, { url: `${platform.gatewayUrl}/v1/Account/${account.authId}` }) as unknown as NodeSdk;
    await story(
      {
        setup: async (number, url) => {
          const { appId } = await plivo.applications.create('node-e2e', { messageUrl: url, messageMethod: 'POST' });
          expect(await plivo.numbers.update(number, { appId })).toMatchObject({ message: 'changed' });
          expect((await plivo.numbers.get(number)).application).toBe(`/v1/Account/${account.authId}/Application/${appId}/`);
        },
        verify: async (request) =>
          validateV3Signature(
            'POST',
            request.url,
            String(request.headers['x-plivo-signature-v3-nonce']),
            account.authToken,
            String(request.headers['x-plivo-signature-v3']),
            request.params,
          ) === true,
        send: async (src, dst, text) => (await plivo.messages.create(src, dst, text)).messageUuid[0] ?? '',
        get: async (uuid) => {
          const message = await plivo.messages.get(uuid);
          return { state: message.messageState, errorCode: message.errorCode, direction: message.messageDirection };
        },
      },
      account,
      'node',
    );
  }, 300_000);

  it('Python SDK: application, number, signed MO, XML reply delivered, STOP then 200', async () => {
    const account = await createTestAccount(dataSource, { tokenKey: E2E_ACCOUNT_TOKEN_KEY });
    await story(
      {
        setup: async (number, url) => {
          const out = await python(platform, account, 'setup', { number, message_url: url });
          expect(out).toMatchObject({ assigned: 'changed', application: `/v1/Account/${account.authId}/Application/${String(out['app_id'])}/` });
        },
        verify: async (request) =>
          (
            await python(platform, account, 'verify', {
              method: request.method,
              url: request.url,
              nonce: request.headers['x-plivo-signature-v3-nonce'],
              signature: request.headers['x-plivo-signature-v3'],
              params: request.params,
            })
          )['valid'] === true,
        send: async (src, dst, text) => String((await python(platform, account, 'send', { src, dst, text }))['message_uuid']),
        get: async (uuid) => {
          const out = await python(platform, account, 'get', { message_uuid: uuid });
          return { state: String(out['message_state']), errorCode: String(out['error_code']), direction: String(out['message_direction']) };
        },
      },
      account,
      'python',
    );
  }, 300_000);
});
