import { preciseNowMs } from './precise-clock';
import { waitUntilPrecisely } from './precise-wait';

describe('waitUntilPrecisely', () => {
  it('never resolves before its moment, whether it is a few milliseconds away or a fraction of one', async () => {
    const start = preciseNowMs();
    const moments = [0.2, 0.7, 1.3, 3.5, 12.25].map((ms) => start + ms);
    const reached = await Promise.all(moments.map(async (at) => (await waitUntilPrecisely(at), preciseNowMs())));
    reached.forEach((readAt, i) => expect(readAt).toBeGreaterThanOrEqual(moments[i] ?? Infinity));
  });

  it('resolves waits that share the watch in the order of their moments', async () => {
    // All within the watched stretch from the start: no timer decides their order.
    const start = preciseNowMs() + 0.05;
    const order: number[] = [];
    const offsets = [0.9, 0.1, 0.5, 0.3, 0.7];
    await Promise.all(offsets.map((ms) => waitUntilPrecisely(start + ms).then(() => order.push(ms))));
    expect(order).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('returns at once for a moment already past', async () => {
    let done = false;
    const waiting = waitUntilPrecisely(preciseNowMs() - 5).then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toBe(true);
    await waiting;
  });

  it('lets timers and I/O run while it watches the last stretch', async () => {
    const at = preciseNowMs() + 1;
    let ticks = 0;
    const ticking = setInterval(() => (ticks += 1), 0);
    // A macrotask queued now runs before the wait resolves: the watch yields every turn of the loop.
    const ranFirst = new Promise<number>((resolve) => setImmediate(() => resolve(preciseNowMs())));
    await waitUntilPrecisely(at + 5);
    clearInterval(ticking);
    expect(await ranFirst).toBeLessThan(at + 5);
    expect(ticks).toBeGreaterThan(0);
  });
});
