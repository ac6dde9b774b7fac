import { DestinationGates } from './destination-gates';

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
});
