import fc from 'fast-check';
import { allowedTimes, countsPerBucket, fullRateTimes, maxInWindow, utilisation, utilisationOfAllowed, windowSeries } from './windows';

/** Every window [t, t + W) for every integer t that could matter, counted the slow way. */
function bruteForceMax(times: number[], windowMs: number): number {
  let best = 0;
  for (const start of new Set(times.flatMap((t) => [t, t - windowMs + 1]))) {
    best = Math.max(best, times.filter((t) => t >= start && t < start + windowMs).length);
  }
  return best;
}

const sortedTimes = fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 60 }).map((ts) => ts.sort((a, b) => a - b));

describe('maxInWindow', () => {
  it('agrees with counting every window', () => {
    fc.assert(
      fc.property(sortedTimes, fc.integer({ min: 1, max: 2_000 }), (times, windowMs) => {
        expect(maxInWindow(times, windowMs).max).toBe(bruteForceMax(times, windowMs));
      }),
    );
  });

  it('treats arrivals exactly one window apart as separate windows, as the simulator does', () => {
    expect(maxInWindow([0, 1_000, 2_000], 1_000)).toEqual({ max: 1, at: 0 });
    expect(maxInWindow([0, 999, 1_000], 1_000)).toEqual({ max: 2, at: 0 });
    expect(maxInWindow([0, 0, 5, 1_004, 1_004], 1_000)).toEqual({ max: 3, at: 0 });
    expect(maxInWindow([], 1_000).max).toBe(0);
  });
});

describe('windowSeries', () => {
  it('peaks at the same count as maxInWindow', () => {
    fc.assert(
      fc.property(sortedTimes, fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 700 }), (times, windowMs, stepMs) => {
        const series = windowSeries(times, windowMs, 0, 5_001, stepMs);
        expect(Math.max(0, ...series.map((p) => p.count))).toBe(maxInWindow(times, windowMs).max);
      }),
    );
  });
});

describe('countsPerBucket and utilisation', () => {
  it('buckets arrivals and ignores those outside the range', () => {
    expect(countsPerBucket([-1, 0, 999, 1_000, 2_500, 3_000], 0, 3_000, 1_000)).toEqual([2, 1, 1]);
  });

  it('scores a quota used to the last unit as 1 and a half-used one as 0.5', () => {
    // 5 per second, sent as 5 at once every second for 10 s.
    const full = Array.from({ length: 50 }, (_, i) => Math.floor(i / 5) * 1_000);
    expect(utilisation(full, 5, 1_000)).toBe(1);
    const half = Array.from({ length: 25 }, (_, i) => Math.floor(i / 5) * 2_000);
    expect(utilisation(half, 5, 1_000)).toBeCloseTo(25 / 45, 9);
    expect(utilisation([], 5, 1_000)).toBeNaN();
  });

  it('scores a drain whose last window is partly needed as full, and counts a guard band against it', () => {
    // 6,000 units at 4,500 a minute: 4,500 at once, the other 1,500 a minute later.
    const tpm = [...Array.from({ length: 4_500 }, () => 0), ...Array.from({ length: 1_500 }, () => 60_000)];
    expect(utilisation(tpm, 4_500, 60_000)).toBe(1);
    // 240 units at 5 a second, paced as 5 every 1.12 s: the 48 bursts span 47 × 1.12 s.
    const guarded = Array.from({ length: 240 }, (_, i) => Math.floor(i / 5) * 1_120);
    expect(utilisation(guarded, 5, 1_000)).toBeCloseTo(48_000 / (47 * 1_120 + 1_000), 9);
  });
});

describe('fullRateTimes', () => {
  it('sends a waiting backlog the limit at once and again each window, first come first served', () => {
    const waiting = Array.from({ length: 12 }, (_, i) => ({ acceptedAt: i, units: 1 }));
    expect(fullRateTimes(waiting, 5, 1_000)).toEqual([0, 1, 2, 3, 4, 1_000, 1_001, 1_002, 1_003, 1_004, 2_000, 2_001]);
  });

  it('starts no earlier than the end of an outage, and a message of several units waits for all of them', () => {
    const messages = [
      { acceptedAt: 0, units: 2 },
      { acceptedAt: 10, units: 2 },
      { acceptedAt: 20, units: 2 },
    ];
    expect(fullRateTimes(messages, 3, 1_000, 5_000)).toEqual([5_000, 6_000, 7_000]);
  });

  it('never puts more than the limit in a window, and a message never before its acceptance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 2_000 }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 500 }), units: fc.integer({ min: 1, max: 4 }) }), { maxLength: 50 }),
        (limit, windowMs, gaps) => {
          let t = 0;
          const messages = gaps.map((g) => ({ acceptedAt: (t += g.gap), units: g.units }));
          const times = fullRateTimes(messages, limit, windowMs);
          const units = messages.flatMap((m, i) => Array.from({ length: Math.min(m.units, limit) }, () => times[i] ?? NaN));
          expect(maxInWindow([...units].sort((a, b) => a - b), windowMs).max).toBeLessThanOrEqual(limit);
          messages.forEach((m, i) => expect(times[i]).toBeGreaterThanOrEqual(m.acceptedAt));
        },
      ),
    );
  });
});

describe('allowedTimes and utilisationOfAllowed', () => {
  const tpm = { limit: 6, windowMs: 60_000 };
  const mps = { limit: 2, windowMs: 1_000 };

  it('holds a brand\'s TPM backlog to its account\'s MPS, and its second minute to the pace of its first', () => {
    const backlog = Array.from({ length: 8 }, () => ({ acceptedAt: 0, units: 1, quotas: [0, 1] }));
    expect(allowedTimes(backlog, [tpm, mps])).toEqual([0, 0, 1_000, 1_000, 2_000, 2_000, 60_000, 60_000]);
    // The account's other traffic takes its share of the MPS too.
    const mixed = [{ acceptedAt: 0, units: 1, quotas: [1] }, ...Array.from({ length: 3 }, () => ({ acceptedAt: 0, units: 1, quotas: [0, 1] }))];
    expect(allowedTimes(mixed, [tpm, mps])).toEqual([0, 0, 1_000, 1_000]);
  });

  it('starts no earlier than the end of an outage, and lets a message that is fed slowly go as it comes', () => {
    const trickle = Array.from({ length: 4 }, (_, i) => ({ acceptedAt: i * 400, units: 1, quotas: [0] }));
    expect(allowedTimes(trickle, [mps])).toEqual([0, 400, 1_000, 1_400]);
    expect(allowedTimes(trickle, [mps], 5_000)).toEqual([5_000, 5_000, 6_000, 6_000]);
  });

  it('scores a drain as fast as the quotas allowed as 1, and a slower one by the ratio of the drains', () => {
    const allowed = [0, 0, 1_000, 1_000, 2_000, 2_000, 60_000, 60_000];
    expect(utilisationOfAllowed(allowed, allowed, 6, 60_000)).toBe(1);
    // A quota fed one message every 400 ms and sending each at once used all it was allowed; alone, it scores 2 s / 4.6 s.
    const fedSlowly = Array.from({ length: 10 }, (_, i) => i * 400);
    expect(utilisationOfAllowed(fedSlowly, fedSlowly, 5, 1_000)).toBe(1);
    expect(utilisation(fedSlowly, 5, 1_000)).toBeCloseTo(2_000 / 4_600, 9);
    // Its last unit 6 s late: a tenth of the span, not diluted by the 60 s window (one unit's time, 10 s, is added to each).
    expect(utilisationOfAllowed(allowed, [...allowed.slice(0, 7), 66_000], 6, 60_000)).toBeCloseTo(70_000 / 76_000, 9);
    expect(utilisationOfAllowed([], [1], 5, 1_000)).toBeNaN();
  });
});
