import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAllowList } from '@sluice/net-policy';
import { CallbackHttpClient } from './callback-http.client';
import type { CallbackRequest } from './callback-request';
import { callbackAddressPolicy } from './destination-policy';
import { AttemptKind } from './retry-policy';

/** A real HTTP server on loopback whose answer each test chooses. */
describe('CallbackHttpClient', () => {
  let server: Server;
  let base: string;
  let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const client = new CallbackHttpClient(callbackAddressPolicy(parseAllowList('127.0.0.1')), { timeoutMs: 300, maxResponseBytes: 1_024, socketsPerDestination: 2 });
  const post = (path: string, readBody = false): CallbackRequest => ({
    url: new URL(`${base}${path}`),
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Status=delivered',
    ...(readBody ? { readBody } : {}),
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => answer(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers a 2xx as a success, with the body when asked for it', async () => {
    answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/xml' }).end('<Response/>');
    expect(await client.send(post('/ok', true))).toMatchObject({ kind: AttemptKind.Success, httpStatus: 200, error: null, body: '<Response/>' });
    expect(await client.send(post('/ok'))).not.toHaveProperty('body');
  });

  it('answers any other status as an HTTP error, a redirect included', async () => {
    answer = (_req, res) => res.writeHead(302, { location: `${base}/elsewhere` }).end();
    expect(await client.send(post('/moved'))).toMatchObject({ kind: AttemptKind.HttpError, httpStatus: 302 });
  });

  it('gives up at the timeout when no status came', async () => {
    answer = () => undefined;
    expect(await client.send(post('/silent'))).toMatchObject({ kind: AttemptKind.Timeout, httpStatus: null, error: 'no response within 300 ms' });
  });

  it('lets the status decide when the body is cut off by the timeout, or goes over the size cap', async () => {
    answer = (_req, res) => res.writeHead(200).write('partial');
    expect(await client.send(post('/slow-body'))).toMatchObject({ kind: AttemptKind.Success, httpStatus: 200 });
    answer = (_req, res) => res.writeHead(500).end('x'.repeat(64 * 1_024));
    expect(await client.send(post('/large', true))).toMatchObject({ kind: AttemptKind.HttpError, httpStatus: 500, error: null });
  });

  it('answers a connection that is refused or reset as a network error', async () => {
    answer = (req) => req.socket.destroy();
    expect(await client.send(post('/reset'))).toMatchObject({ kind: AttemptKind.NetworkError, httpStatus: null });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await client.send({ ...post('/'), url: new URL(`http://127.0.0.1:${port}/`) });
    expect(refused).toMatchObject({ kind: AttemptKind.NetworkError, httpStatus: null });
    expect(refused.error).toContain('ECONNREFUSED');
  });

  it('refuses an address the policy does not allow, without sending anything', async () => {
    let reached = false;
    answer = (_req, res) => {
      reached = true;
      res.end();
    };
    expect(await client.send({ ...post('/'), url: new URL('http://10.0.0.1/') })).toMatchObject({ kind: AttemptKind.Refused, httpStatus: null });
    expect(reached).toBe(false);
  });
});
