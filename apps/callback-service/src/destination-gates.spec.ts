import { DestinationGates, FAST_ANSWER_MS, MAX_HELD_ROOM } from './destination-gates';

describe('DestinationGates', () => {
  let now = 0;
  const gates = () => new DestinationGates({ concurrency: 2, failureThreshold: 3, cooldownMs: 1_000, now: () => now });

  beforeEach(() => {
    now = 0;
  });

  it('bounds requests in flight per destination', () => {
    const g = gates();
    expect(g.admit('a')).toBe('send');
    expect(g.allowances()).toEqual({ excluded: [], limited: new Map([['a', 1]]) });
    expect(g.admit('a')).toBe('send');
    expect(g.allowances().excluded).toEqual(['a']);
    g.release('a', 'success');
    expect(g.allowances()).toEqual({ excluded: [], limited: new Map([['a', 1]]) });
  });

  it('gives a destination that has not failed depth times its concurrency, and one that failed only its concurrency', () => {
    const g = gates();
    g.admit('a');
    expect(g.allowances(3)).toEqual({ excluded: [], limited: new Map([['a', 5]]) });
    g.admit('b');
    g.release('b', 'failure');
    g.admit('b');
    expect(g.allowances(3)).toEqual({ excluded: [], limited: new Map([['a', 5], ['b', 1]]) });
    for (let i = 0; i < 5; i += 1) g.admit('a');
    expect(g.allowances(3).excluded).toEqual(['a']);
    expect(g.allowances(1)).toEqual({ excluded: ['a'], limited: new Map([['b', 1]]) });
  });

  it('with a hold, gives a healthy destination what it answers in that time at its typical pace', () => {
    const g = gates();
    g.admit('a');
    g.release('a', 'success', true, 20);
    // Two connections, 20 ms an answer: 100 answers in a second.
    expect(g.allowances(3, 1_000).limited.get('a')).toBe(100);
    // Without a hold (the claims), the depth's share: 2 × 3, a fresh destination's.
    expect(g.allowances(3).limited.has('a')).toBe(false);
    for (let i = 0; i < 32; i += 1) {
      g.admit('a');
      g.release('a', 'success', true, 200);
    }
    const slower = g.allowances(3, 1_000).limited.get('a') ?? 0;
    expect(slower).toBeGreaterThanOrEqual(10);
    expect(slower).toBeLessThan(20);
    // Once it failed, only its limit, hold or not.
    g.admit('a');
    g.release('a', 'failure', true, 5);
    expect(g.allowances(3, 1_000).limited.get('a')).toBe(2);
  });

  it('gives no destination more than MAX_HELD_ROOM for a hold, and nothing more before its answer time is known', () => {
    const g = new DestinationGates({ concurrency: 8, failureThreshold: 3, cooldownMs: 1_000, now: () => now });
    g.admit('fast');
    expect(g.allowances(3, 1_000).limited.get('fast')).toBe(8 * 3 - 1);
    g.release('fast', 'success', true, 1);
    expect(g.allowances(3, 1_000).limited.get('fast')).toBe(MAX_HELD_ROOM);
  });

  it('lets concurrency requests go at once and the others in the order they were admitted', async () => {
    const g = gates();
    const order: number[] = [];
    const turns = [1, 2, 3, 4].map((n) => {
      g.admit('a');
      return g.turn('a').then(() => order.push(n));
    });
    await Promise.resolve();
    expect(order).toEqual([1, 2]);
    g.release('a', 'success');
    await turns[2];
    expect(order).toEqual([1, 2, 3]);
    g.release('a', 'success');
    g.release('a', 'success');
    await Promise.all(turns);
    expect(order).toEqual([1, 2, 3, 4]);
    g.release('a', 'success');
    expect(g.allowances()).toEqual({ excluded: [], limited: new Map() });
  });

  it('opens after consecutive failures, fails fast during the cooldown, then lets one probe through', () => {
    const g = gates();
    for (let i = 0; i < 2; i += 1) {
      g.admit('dead');
      expect(g.release('dead', 'failure')).toBe(false);
    }
    g.admit('dead');
    expect(g.release('dead', 'failure')).toBe(true);
    expect(g.isOpen('dead')).toBe(true);
    expect(g.admit('dead')).toBe('reject');
    now = 1_000;
    expect(g.allowances().limited.get('dead')).toBe(1);
    expect(g.admit('dead')).toBe('send');
    expect(g.allowances().excluded).toEqual(['dead']);
    expect(g.admit('dead')).toBe('reject');
    g.release('dead', 'failure');
    expect(g.admit('dead')).toBe('reject');
    now = 2_000;
    expect(g.admit('dead')).toBe('send');
    g.release('dead', 'success');
    expect(g.isOpen('dead')).toBe(false);
    expect(g.admit('dead')).toBe('send');
  });

  it('does not count a success between failures', () => {
    const g = gates();
    for (const outcome of ['failure', 'failure', 'success', 'failure', 'failure'] as const) {
      g.admit('flaky');
      g.release('flaky', outcome);
    }
    expect(g.isOpen('flaky')).toBe(false);
  });

  it('keeps one destination open without touching another', () => {
    const g = gates();
    for (let i = 0; i < 3; i += 1) {
      g.admit('dead');
      g.release('dead', 'failure');
    }
    expect(g.admit('healthy')).toBe('send');
    expect(g.isOpen('healthy')).toBe(false);
    expect(g.openCount()).toBe(1);
  });

  describe('a limit that adapts', () => {
    const adaptive = () => new DestinationGates({ concurrency: 2, maxConcurrency: 6, failureThreshold: 3, cooldownMs: 1_000, now: () => now });

    /** Keeps `waiting` requests queued behind the limit and answers one at a time in `latencyMs`; answers how many went at once at most. */
    async function busy(g: DestinationGates, answers: number, latencyMs: number, outcome: 'success' | 'failure' = 'success'): Promise<number> {
      let sending = 0;
      let most = 0;
      const queued: Array<Promise<void>> = [];
      const enqueue = (): void => {
        g.admit('hook');
        queued.push(g.turn('hook').then(() => {
          sending += 1;
          most = Math.max(most, sending);
        }));
      };
      for (let i = 0; i < 8; i += 1) enqueue();
      for (let i = 0; i < answers; i += 1) {
        await Promise.resolve();
        await Promise.resolve();
        sending -= 1;
        g.release('hook', outcome, true, latencyMs);
        enqueue();
      }
      return most;
    }

    it('grows while requests wait and fast answers come near the best time, up to its most', async () => {
      const g = adaptive();
      expect(g.limit('hook')).toBe(2);
      await busy(g, 5, 10);
      expect(g.limit('hook')).toBe(4);
      await busy(g, 200, 10);
      expect(g.limit('hook')).toBe(6);
      // Claims may lease three times the grown limit: 16 are admitted (8 queued by each call).
      expect(g.allowances(3).limited.get('hook')).toBe(6 * 3 - 16);
    });

    it('never grows for an endpoint slower than the fast bound', async () => {
      const g = adaptive();
      await busy(g, 50, FAST_ANSWER_MS + 1);
      expect(g.limit('hook')).toBe(2);
    });

    it('does not grow while the answers are far slower than its best', async () => {
      const g = adaptive();
      await busy(g, 1, 5);
      await busy(g, 20, 100);
      expect(g.limit('hook')).toBe(2);
    });

    it('halves on each failure, never below the first limit', async () => {
      const g = adaptive();
      await busy(g, 200, 10);
      expect(g.limit('hook')).toBe(6);
      g.admit('hook');
      g.release('hook', 'failure', true, 10);
      expect(g.limit('hook')).toBe(3);
      for (let i = 0; i < 3; i += 1) {
        g.admit('hook');
        g.release('hook', 'failure', true, 10);
      }
      expect(g.limit('hook')).toBe(2);
    });

    it('lets more of the waiting go once it has grown', async () => {
      const g = adaptive();
      expect(await busy(g, 200, 10)).toBe(6);
    });

    it('keeps a learnt limit while the destination is used, and forgets it a minute after', async () => {
      const g = adaptive();
      const sent: Array<Promise<void>> = [];
      for (let i = 0; i < 12; i += 1) {
        g.admit('hook');
        sent.push(g.turn('hook'));
      }
      for (let i = 0; i < 12; i += 1) {
        await Promise.resolve();
        g.release('hook', 'success', true, 10);
      }
      await Promise.all(sent);
      expect(g.limit('hook')).toBeGreaterThan(2);
      now = 59_000;
      expect(g.allowances().limited.has('hook')).toBe(true);
      now = 61_000;
      expect(g.allowances()).toEqual({ excluded: [], limited: new Map() });
      expect(g.limit('hook')).toBe(2);
    });
  });
});
