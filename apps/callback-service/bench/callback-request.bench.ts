// CPU to build a message's three signed status callbacks (queued, sent, delivered), each message
// with times of its own, as the service builds them: `callbackParams` and `buildCallbackRequest`
// (fields, form body, Plivo V3 signature). Beside it, in the same run, the two library calls
// every request makes: `URLSearchParams` for the body and `createHmac` keyed by a string. Run:
// npm run bench:callback-request (needs nothing running).
import { createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';

const ROOT = resolve(__dirname, '../../..');
const dist = (file: string): string => join(ROOT, 'apps/callback-service/dist', file);
// The service's build is loaded from its dist at run time: this bench compiles on its own.
const { buildCallbackRequest, callbackParams } = require(dist('callback-request')) as typeof import('../dist/callback-request');

const MESSAGES = 100_000;
const ROUNDS = 3;
const TOKEN = 'ZWQ4ZjE2YjAtOWU3YS00ZTc2LTk3NGEtMmQzOTZm';
const URL_TEXT = 'http://127.0.0.1:40123/callbacks/status';
const STATUSES = [
  ['queued', 1],
  ['sent', 2],
  ['delivered', 3],
] as const;

type Delivery = Parameters<typeof callbackParams>[0];

function delivery(at: number, status: Delivery['status'], sequence: number): Delivery {
  return {
    id: '1',
    kind: 'status',
    inbound: null,
    contentKey: null,
    claims: 1,
    messageUuid: '3d6f0c1e-8a1b-4c2d-9e3f-0a1b2c3d4e5f',
    sequence,
    accountId: 'MA0123456789ABCDEFGH',
    status,
    errorCode: '000',
    occurredAt: new Date(at),
    url: URL_TEXT,
    method: 'POST',
    destination: 'http://127.0.0.1:40123',
    retryDelaysMs: [],
    attempts: 0,
    authTokenEncrypted: null,
    message: {
      fromNumber: '14155550100',
      toNumber: '12025550123',
      messageType: 'sms',
      units: 1,
      totalRate: '0.00350',
      totalAmount: '0.00350',
      mcc: '310',
      mnc: '260',
      messageTime: new Date(at),
      queuedAt: new Date(at),
      sentAt: new Date(at + 400),
      deliveryReportAt: new Date(at + 900),
      powerpackUuid: null,
    },
  };
}

/** CPU µs a message of `work(message index)`. */
function microsPerMessage(work: (i: number) => void): number {
  const started = process.cpuUsage();
  for (let i = 0; i < MESSAGES; i += 1) work(i);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / MESSAGES;
}

function main(): void {
  const base = Date.now();
  const built = (i: number): void => {
    for (const [status, sequence] of STATUSES) {
      const d = delivery(base + 3 * i, status, sequence);
      buildCallbackRequest(new URL(d.url), d.method, callbackParams(d), TOKEN);
    }
  };
  const fields = callbackParams(delivery(base, 'delivered', 3));
  const payload = `${URL_TEXT}?${Object.keys(fields).sort().join('')}.12345678901234567890`;
  const bodies = (): void => {
    for (let k = 0; k < STATUSES.length; k += 1) new URLSearchParams(fields).toString();
  };
  const hmacs = (): void => {
    for (let k = 0; k < STATUSES.length; k += 1) createHmac('sha256', TOKEN).update(payload).digest('base64');
  };
  // Warm-up: every function compiled before anything is counted.
  microsPerMessage(built);
  microsPerMessage(bodies);
  microsPerMessage(hmacs);
  process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  for (let round = 1; round <= ROUNDS; round += 1) {
    const request = microsPerMessage(built);
    const body = microsPerMessage(bodies);
    const hmac = microsPerMessage(hmacs);
    process.stdout.write(
      `round ${round}: three signed callbacks ${request.toFixed(1)} µs a message; of the same three, URLSearchParams bodies alone ${body.toFixed(1)} µs, createHmac alone ${hmac.toFixed(1)} µs\n`,
    );
  }
}

main();
