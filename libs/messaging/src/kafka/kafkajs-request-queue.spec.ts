// kafkajs 2.2.4 re-arms a 1 ms timer on every broker connection for as long as it is open,
// even with nothing to send (tulios/kafkajs#1556, #1704): about 3 % of a core per idle app.
// It also checks request timeouts every 100 ms on every connection, requests in flight or not.
// patches/kafkajs+2.2.4.patch (applied by `npm ci` through patch-package) stops the re-arming
// and checks request timeouts with one timer at the earliest deadline of the requests in
// flight (an idle consumer's fetch is always in flight); these tests fail if the
// installed kafkajs is not patched, or the patch broke throttling or request timeouts.

interface RequestEntry {
  readonly correlationId: number;
  readonly apiKey: number;
  readonly apiName: string;
  readonly apiVersion: number;
  readonly resolve: (answer: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface RequestQueue {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null | undefined;
  requestTimeoutIntervalId: NodeJS.Timeout | null | undefined;
  pending: unknown[];
  inflight: Map<number, unknown>;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
  scheduleRequestTimeoutCheck(): void;
  push(request: { entry: RequestEntry; expectResponse: boolean; sendRequest: () => void; requestTimeout?: number }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  destroy(): void;
}
type RequestQueueClass = new (options: Record<string, unknown>) => RequestQueue;

// kafkajs exports no types for its internals; the class is loaded from its source file.
const RequestQueueImpl = require('kafkajs/src/network/requestQueue') as RequestQueueClass;

const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const made: RequestQueue[] = [];

function queue(requestTimeout = 30_000, isConnected = () => true, maxInFlightRequests = 1): RequestQueue {
  const q = new RequestQueueImpl({ maxInFlightRequests, requestTimeout, enforceRequestTimeout: true, clientId: 'test', broker: 'localhost:9092', logger, isConnected });
  made.push(q);
  return q;
}

// An unpatched queue would keep re-arming its timer and hold the test process open.
afterEach(() => {
  for (const q of made.splice(0)) {
    clearTimeout(q.throttleCheckTimeoutId ?? undefined);
    q.destroy();
  }
});

describe('kafkajs request queue (patched)', () => {
  it('schedules nothing when nothing is pending and nothing is throttled', () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId ?? null).toBeNull();
  });

  it('still checks again when the broker throttles it', () => {
    const q = queue();
    q.throttledUntil = Date.now() + 60_000;
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeTruthy();
  });

  it('still checks again while requests are pending', () => {
    const q = queue();
    q.pending.push({});
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeTruthy();
  });
});

describe('kafkajs request timeouts (patched)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const request = (correlationId: number, outcome: { answer?: unknown; error?: Error }): Parameters<RequestQueue['push']>[0] => ({
    entry: {
      correlationId,
      apiKey: 1,
      apiName: 'Fetch',
      apiVersion: 11,
      resolve: (answer) => (outcome.answer = answer),
      reject: (error) => (outcome.error = error),
    },
    expectResponse: true,
    sendRequest: () => undefined,
  });

  it('checks timeouts only while a request is in flight', async () => {
    const q = queue();
    q.scheduleRequestTimeoutCheck();
    expect(q.requestTimeoutIntervalId ?? null).toBeNull();
    const outcome: { answer?: unknown } = {};
    q.push(request(1, outcome));
    expect(q.requestTimeoutIntervalId).toBeTruthy();
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(outcome.answer).toBeDefined();
    // The timer armed for the answered request's deadline finds nothing in flight and stops.
    await jest.advanceTimersByTimeAsync(30_001);
    expect(q.requestTimeoutIntervalId ?? null).toBeNull();
  });

  it('wakes once at the deadline of a request in flight, not every 100 ms', async () => {
    const isConnected = jest.fn(() => true);
    const q = queue(30_000, isConnected);
    q.scheduleRequestTimeoutCheck();
    const outcome: { error?: Error } = {};
    q.push(request(3, outcome));
    await jest.advanceTimersByTimeAsync(29_900);
    expect(isConnected).not.toHaveBeenCalled();
    expect(outcome.error).toBeUndefined();
    await jest.advanceTimersByTimeAsync(200);
    expect(isConnected).toHaveBeenCalledTimes(1);
    expect(outcome.error?.message).toMatch(/timed out/);
    expect(q.requestTimeoutIntervalId ?? null).toBeNull();
  });

  it('re-arms for a later request once the earlier one is answered', async () => {
    const q = queue(1_000, () => true, 2);
    q.scheduleRequestTimeoutCheck();
    const first: { answer?: unknown; error?: Error } = {};
    const second: { answer?: unknown; error?: Error } = {};
    q.push(request(1, first));
    await jest.advanceTimersByTimeAsync(600);
    q.push(request(2, second));
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    // The first deadline passes with nothing late; the second request's is 600 ms after it.
    await jest.advanceTimersByTimeAsync(500);
    expect(second.error).toBeUndefined();
    await jest.advanceTimersByTimeAsync(600);
    expect(first.error).toBeUndefined();
    expect(second.error?.message).toMatch(/timed out/);
  });

  it('still times out a request that gets no answer', async () => {
    const q = queue(300);
    q.scheduleRequestTimeoutCheck();
    const outcome: { error?: Error } = {};
    q.push(request(7, outcome));
    await jest.advanceTimersByTimeAsync(250);
    expect(outcome.error).toBeUndefined();
    await jest.advanceTimersByTimeAsync(200);
    expect(outcome.error?.message).toMatch(/Request Fetch\(key: 1, version: 11\) timed out/);
    expect(q.inflight.size).toBe(0);
  });
});
