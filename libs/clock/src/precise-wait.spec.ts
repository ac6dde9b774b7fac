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
    // All within the watched stretch from the start: no timer decides their order. A run in
    // which the process was held up until the first moment had passed before every wait had
    // begun (those resolve at once, in the order they began) proves nothing and is tried again.
    const offsets = [0.9, 0.1, 0.5, 0.3, 0.7];
    for (let attempt = 1; ; attempt += 1) {
      const start = preciseNowMs() + 0.05;
      const order: number[] = [];
      const waits = offsets.map((ms) => waitUntilPrecisely(start + ms).then(() => order.push(ms)));
      const ahead = preciseNowMs() < start + Math.min(...offsets);
      await Promise.all(waits);
      if (!ahead && attempt < 20) continue;
      expect(order).toEqual([...offsets].sort((a, b) => a - b));
      return;
    }
  });

  it('returns at once for a moment already past', async () => {
    let done = false;
    const waiting = waitUntilPrecisely(preciseNowMs() - 5).then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toBe(true);
    await waiting;
  });

  it('lets timers and I/O run while it waits', async () => {
    // Order, not time: a macrotask queued before the wait runs before it resolves, and timers
    // tick meanwhile, however slow the machine. Only a moment already past when the wait
    // begins (the process held up for 20 ms between two statements) resolves at once; such a
    // run proves nothing and is tried again.
    for (let attempt = 1; ; attempt += 1) {
      const order: string[] = [];
      let ticks = 0;
      const ticking = setInterval(() => (ticks += 1), 0);
      const at = preciseNowMs() + 20;
      setImmediate(() => order.push('macrotask'));
      const ahead = preciseNowMs() < at;
      await waitUntilPrecisely(at);
      order.push('resolved');
      clearInterval(ticking);
      if (!ahead && attempt < 5) continue;
      expect(order).toEqual(['macrotask', 'resolved']);
      expect(ticks).toBeGreaterThan(0);
      return;
    }
  });
});
