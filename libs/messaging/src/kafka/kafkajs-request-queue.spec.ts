// kafkajs 2.2.4 re-arms a 1 ms timer on every broker connection for as long as it is open,
// even with nothing to send (tulios/kafkajs#1556, #1704): about 3 % of a core per idle app.
// patches/kafkajs+2.2.4.patch (applied by `npm ci` through patch-package) stops the re-arming;
// these tests fail if the installed kafkajs is not patched, or the patch broke throttling.

interface RequestQueue {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null | undefined;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}
type RequestQueueClass = new (options: Record<string, unknown>) => RequestQueue;

// kafkajs exports no types for its internals; the class is loaded from its source file.
const RequestQueueImpl = require('kafkajs/src/network/requestQueue') as RequestQueueClass;

const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const made: RequestQueue[] = [];

function queue(): RequestQueue {
  const q = new RequestQueueImpl({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: true, clientId: 'test', broker: 'localhost:9092', logger });
  made.push(q);
  return q;
}

// An unpatched queue would keep re-arming its timer and hold the test process open.
afterEach(() => {
  for (const q of made.splice(0)) clearTimeout(q.throttleCheckTimeoutId ?? undefined);
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
