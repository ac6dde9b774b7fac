// CPU a callback request costs the client: the service's CallbackHttpClient (undici `dispatch`
// with its own handler) against undici's `request` with its response stream drained, the way
// the client made requests before. Same run, same agent settings, a receiver in a child process
// on loopback, 32 requests in flight. Run: npm run bench:callback-client (needs nothing running).
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Agent } from 'undici';

const ROOT = resolve(__dirname, '../../..');
const dist = (file: string): string => join(ROOT, 'apps/callback-service/dist', file);
// The service's build is loaded from its dist at run time: this bench compiles on its own.
const { CallbackHttpClient } = require(dist('callback-http.client')) as typeof import('../dist/callback-http.client');
const { callbackAddressPolicy } = require(dist('destination-policy')) as typeof import('../dist/destination-policy');
const { parseAllowList } = require(join(ROOT, 'libs/net-policy/dist')) as typeof import('../../../libs/net-policy/dist');

const REQUESTS = 20_000;
const IN_FLIGHT = 32;
const ROUNDS = 3;
const BODY = 'From=14155550100&To=12025550***&MessageUUID=0b6c1d1e-8d8e-4b8a-9c1a-1d2e3f4a5b6c&Status=delivered&Units=1&ErrorCode=000&Sequence=3';
const HEADERS = { 'user-agent': 'Sluice-Callback/1.0', 'content-type': 'application/x-www-form-urlencoded', 'X-Plivo-Signature-V3': 'c2lnbmF0dXJl', 'X-Plivo-Signature-V3-Nonce': '12345678901234567890' };

if (process.argv[2] === 'receiver') {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('OK'));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
} else {
  void main();
}

async function cpuMicrosPerRequest(send: () => Promise<unknown>): Promise<number> {
  const started = process.cpuUsage();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < REQUESTS) {
      next += 1;
      await send();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const used = process.cpuUsage(started);
  return (used.user + used.system) / REQUESTS;
}

async function main(): Promise<void> {
  const receiver = fork(__filename, ['receiver']);
  const port = await new Promise<number>((done) => receiver.once('message', (message) => done(Number(message))));
  const url = new URL(`http://127.0.0.1:${port}/callback`);
  const client = new CallbackHttpClient(callbackAddressPolicy(parseAllowList('127.0.0.1')), { timeoutMs: 8_000, maxResponseBytes: 65_536, socketsPerDestination: 8 });
  const agent = new Agent({ connections: 8, headersTimeout: 0, bodyTimeout: 0 });
  const viaClient = async (): Promise<void> => {
    const outcome = await client.send({ url, method: 'POST', headers: HEADERS, body: BODY });
    if (outcome.httpStatus !== 200) throw new Error(`the receiver answered ${outcome.httpStatus ?? outcome.error}`);
  };
  const viaRequest = async (): Promise<void> => {
    const response = await agent.request({ origin: url.origin, path: url.pathname, method: 'POST', headers: HEADERS, body: BODY, signal: new EventEmitter() });
    // Drained, as the client read every answer.
    let received = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) received += chunk.length;
    if (received === 0) throw new Error('the receiver answered no body');
  };
  await cpuMicrosPerRequest(viaClient);
  await cpuMicrosPerRequest(viaRequest);
  for (let round = 1; round <= ROUNDS; round += 1) {
    const present = await cpuMicrosPerRequest(viaClient);
    const before = await cpuMicrosPerRequest(viaRequest);
    process.stdout.write(`round ${round}: CallbackHttpClient ${present.toFixed(1)} µs a request, undici request() ${before.toFixed(1)} µs (×${(present / before).toFixed(2)})\n`);
  }
  client.close();
  await agent.destroy();
  receiver.kill();
}
