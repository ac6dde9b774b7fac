import fc from 'fast-check';
import { admitAt, keepLineOrder, placeInLanes, seedLanes, takeLanes } from './hand-off-admission';
import { countIn, type SlidingWindowQuota } from './sliding-window';

const MPS5 = { limit: 5, windowMs: 1_000 };

/** Most units in any window [s, s + W) of the ascending times. */
function fullestWindow(times: readonly number[], windowMs: number): number {
  return Math.max(0, ...times.map((t) => countIn(times, t, t + windowMs)));
}

interface Attempt {
  /** When it asks (Redis time). */
  readonly at: number;
  /** How much later than the moment it was admitted for it is written (a late timer). */
  readonly late: number;
  readonly toCarrier: number;
  readonly back: number;
}

/**
 * Runs attempts against one quota as Redis would see them, units counted from the carrier's
 * answer (in flight until then), with room up to `aheadMs` away given for its moment; a
 * refused attempt asks again `aheadMs` before its earliest time, as a dispatcher claiming
 * ahead does. Checks each decision and returns the arrivals at the carrier.
 */
function arrivalsAtCarrier(quota: SlidingWindowQuota, aheadMs: number, attempts: readonly Attempt[]): number[] {
  const pendingMs = 1_000_000;
  const units: Array<{ admittedAt: number; arrival: number; answer: number }> = [];
  const waiting = attempts.map((a) => ({ ...a }));
  for (let steps = 0; waiting.length > 0 && steps < 3_000; steps += 1) {
    waiting.sort((a, b) => a.at - b.at);
    const next = waiting.shift();
    if (!next) break;
    // What Redis holds at that moment: answered units at their answer, the rest ahead of now.
    const counted = units.map((u) => (u.answer <= next.at ? u.answer : u.admittedAt + pendingMs)).sort((a, b) => a - b);
    const decision = admitAt([counted], next.at, 1, [quota], aheadMs);
    if (decision.admitted) {
      expect(decision.at).toBeGreaterThanOrEqual(next.at);
      expect(decision.at - next.at).toBeLessThanOrEqual(aheadMs);
      const arrival = decision.at + next.late + next.toCarrier;
      units.push({ admittedAt: next.at, arrival, answer: arrival + next.back });
    } else {
      expect(decision.earliest).toBeGreaterThan(next.at);
      waiting.push({ ...next, at: Math.max(next.at + 1, decision.earliest - aheadMs) });
    }
  }
  return units.map((u) => u.arrival).sort((a, b) => a - b);
}

const delays = (late: number) =>
  fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 4_000 }),
      late: fc.integer({ min: 0, max: late }),
      toCarrier: fc.integer({ min: 0, max: 3_000 }),
      back: fc.integer({ min: 0, max: 3_000 }),
    }),
    { maxLength: 60 },
  );

describe('admitAt', () => {
  it('admits five sends at 5 MPS at once and refuses the sixth until the first leaves the window', () => {
    const sent: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      expect(admitAt([sent], 100 + i, 1, [MPS5])).toEqual({ admitted: true, at: 100 + i });
      sent.push(100 + i);
    }
    expect(admitAt([sent], 200, 1, [MPS5])).toEqual({ admitted: false, earliest: 1_100 });
    expect(admitAt([sent], 1_100, 1, [MPS5])).toEqual({ admitted: true, at: 1_100 });
  });

  it('counts a message of k units k times and waits for k units to leave', () => {
    const sent = [0, 10, 20, 30];
    expect(admitAt([sent], 500, 1, [MPS5])).toEqual({ admitted: true, at: 500 });
    expect(admitAt([sent], 500, 3, [MPS5])).toEqual({ admitted: false, earliest: 1_010 });
  });

  it('waits for the tightest of several quotas', () => {
    const tpm = { limit: 6, windowMs: 60_000 };
    const sent = [[0, 0, 0, 0, 0, 900], [0, 0, 0, 0, 0, 900]];
    expect(admitAt(sent, 950, 1, [MPS5, tpm])).toEqual({ admitted: false, earliest: 60_000 });
  });

  it('never lets more than the limit into any window, for any arrivals, quotas and costs', () => {
    const quota = fc.record({ limit: fc.integer({ min: 1, max: 8 }), windowMs: fc.integer({ min: 5, max: 1_500 }) });
    fc.assert(
      fc.property(
        fc.array(quota, { minLength: 1, maxLength: 3 }),
        fc.array(
          fc.record({ at: fc.integer({ min: 0, max: 5_000 }), cost: fc.integer({ min: 1, max: 4 }), uses: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }) }),
          { maxLength: 60 },
        ),
        (quotas, arrivals) => {
          const sent: number[][] = quotas.map(() => []);
          // Arrivals in time order (as Redis serialises admissions); refused ones try again at their earliest time.
          const pending = arrivals.map((a) => ({ ...a })).sort((a, b) => a.at - b.at);
          let steps = 0;
          while (pending.length > 0 && steps < 2_000) {
            steps += 1;
            pending.sort((a, b) => a.at - b.at);
            const next = pending.shift();
            if (!next) break;
            const applies = quotas.map((_, i) => i === 0 || next.uses[i] === true);
            const subset = quotas.filter((_, i) => applies[i]);
            const cost = Math.min(next.cost, ...subset.map((q) => q.limit));
            const decision = admitAt(sent.filter((_, i) => applies[i]), next.at, cost, subset);
            if (decision.admitted) {
              sent.forEach((s, i) => {
                if (applies[i]) for (let u = 0; u < cost; u += 1) s.push(next.at);
              });
            } else {
              expect(decision.earliest).toBeGreaterThan(next.at);
              // Nothing admitted meanwhile: the message fits at its earliest time, and at no time before it.
              const at = (t: number) => admitAt(sent.filter((_, i) => applies[i]), t, cost, subset).admitted;
              expect(at(decision.earliest)).toBe(true);
              expect(at(decision.earliest - 1)).toBe(false);
              pending.push({ ...next, at: decision.earliest });
            }
          }
          quotas.forEach((q, i) => expect(fullestWindow(sent[i] ?? [], q.windowMs)).toBeLessThanOrEqual(q.limit));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps every window within the limit at the carrier when each hand-off arrives up to the guard later', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 50, max: 1_500 }),
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 4_000 }), jitter: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 60 }),
        (limit, windowMs, guardMs, arrivals) => {
          const sent: number[] = [];
          const atCarrier: number[] = [];
          const pending = [...arrivals].sort((a, b) => a.at - b.at);
          let steps = 0;
          while (pending.length > 0 && steps < 2_000) {
            steps += 1;
            pending.sort((a, b) => a.at - b.at);
            const next = pending.shift();
            if (!next) break;
            const decision = admitAt([sent], next.at, 1, [{ limit, windowMs: windowMs + guardMs }]);
            if (decision.admitted) {
              sent.push(next.at);
              atCarrier.push(next.at + Math.floor(next.jitter * guardMs));
            } else {
              pending.push({ ...next, at: decision.earliest });
            }
          }
          atCarrier.sort((a, b) => a - b);
          expect(fullestWindow(atCarrier, windowMs)).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('admitAt with units counted from the carrier\'s answer', () => {
  it('counts a unit still in flight wherever it lands, and sees room no earlier than a window after now', () => {
    // Five units in flight (counted far ahead until answered): the sixth waits a full window from now.
    const inFlight = [30_100, 30_101, 30_102, 30_103, 30_104];
    expect(admitAt([inFlight], 200, 1, [MPS5])).toEqual({ admitted: false, earliest: 1_200 });
    // Answered at 120 ms: counted from there, so room comes at 1,120 ms.
    expect(admitAt([[120, 120, 120, 120, 120]], 200, 1, [MPS5])).toEqual({ admitted: false, earliest: 1_120 });
    expect(admitAt([[120, 120, 120, 120, 120]], 1_120, 1, [MPS5])).toEqual({ admitted: true, at: 1_120 });
  });

  it('drains a backlog one window apart when the carrier answers at once', () => {
    const answered: number[] = [];
    const admitted: number[] = [];
    let now = 0;
    while (admitted.length < 15) {
      const decision = admitAt([answered], now, 1, [MPS5]);
      if (decision.admitted) {
        admitted.push(now);
        answered.push(now);
      } else {
        now = decision.earliest;
      }
    }
    expect(admitted).toEqual([0, 0, 0, 0, 0, 1_000, 1_000, 1_000, 1_000, 1_000, 2_000, 2_000, 2_000, 2_000, 2_000]);
  });

  it('never lets more than the limit into any window at the carrier, whatever the delays to the carrier and back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 20, max: 1_500 }), delays(0), (limit, windowMs, attempts) => {
        expect(fullestWindow(arrivalsAtCarrier({ limit, windowMs }, 0, attempts), windowMs)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 500 },
    );
  });
});

describe('admitAt with room a little ahead given at once', () => {
  it('admits for the time room comes when it is at most the horizon away, and refuses beyond it', () => {
    const answered = [120, 120, 120, 120, 120];
    expect(admitAt([answered], 1_050, 1, [MPS5], 100)).toEqual({ admitted: true, at: 1_120 });
    expect(admitAt([answered], 1_000, 1, [MPS5], 100)).toEqual({ admitted: false, earliest: 1_120 });
    // A unit in flight leaves no earlier than a window from now: never within the horizon.
    expect(admitAt([[30_000, 30_000, 30_000, 30_000, 30_000]], 1_050, 1, [MPS5], 100)).toEqual({ admitted: false, earliest: 2_050 });
    expect(admitAt([[30_000]], 1_050, 1, [{ limit: 1, windowMs: 50 }], 100)).toEqual({ admitted: false, earliest: 1_100 });
  });

  it('never lets more than the limit into any window at the carrier, when handed over at the time given, whatever the delays', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 20, max: 1_500 }), fc.integer({ min: 0, max: 400 }), delays(200), (limit, windowMs, aheadMs, attempts) => {
        expect(fullestWindow(arrivalsAtCarrier({ limit, windowMs }, aheadMs, attempts), windowMs)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 500 },
    );
  });
});

describe('a line in lanes', () => {
  /** Places a backlog of messages (costs) refused at `now` one after another, as the admission script does. */
  function lineUp(windowTimes: readonly number[], now: number, quota: SlidingWindowQuota, costs: readonly number[]): number[] {
    let lanes = seedLanes(windowTimes, now, quota);
    return costs.map((cost) => {
      const place = Math.max(now, placeInLanes(lanes, cost));
      lanes = takeLanes(lanes, cost, place, quota.windowMs);
      return place;
    });
  }

  it('drains a backlog behind a burst in bursts a window apart, and one behind an even flow evenly', () => {
    expect(lineUp([0, 0, 0, 0, 0], 10, MPS5, [1, 1, 1, 1, 1, 1, 1])).toEqual([1_000, 1_000, 1_000, 1_000, 1_000, 2_000, 2_000]);
    expect(lineUp([0, 200, 400, 600, 800], 900, MPS5, [1, 1, 1, 1, 1, 1])).toEqual([1_000, 1_200, 1_400, 1_600, 1_800, 2_000]);
    // Two units wait for the second lane, and both lanes come back together.
    expect(lineUp([0, 200, 400, 600, 800], 900, MPS5, [2, 1, 1, 1, 2])).toEqual([1_200, 1_400, 1_600, 1_800, 2_200]);
    // Lanes the window does not use are free now; a unit in flight frees its lane a window after now.
    expect(seedLanes([500, 30_000], 900, MPS5)).toEqual([900, 900, 900, 1_500, 1_900]);
    expect(seedLanes([0, 0], 2_000, MPS5, 40)).toEqual([1_960, 1_960, 1_960, 1_960, 1_960]);
  });

  it('gives every message of a backlog the time the quota used to the full allows, and room at that time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 20, max: 2_000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 40 }),
        (limit, windowMs, fractions, rawCosts) => {
          const quota = { limit, windowMs };
          const now = 10_000;
          const before = fractions.slice(0, limit).map((f) => now - f * (windowMs - 1)).sort((a, b) => a - b);
          const costs = rawCosts.map((c) => Math.min(c, limit));
          const places = lineUp(before, now, quota, costs);
          // First come first served at the full rate: each unit a window after the unit `limit` before it.
          const units = [...before];
          costs.forEach((cost, k) => {
            let expected = now;
            for (let u = 0; u < cost; u += 1) expected = Math.max(expected, (units[units.length + u - limit] ?? -Infinity) + windowMs);
            expect(places[k]).toBeCloseTo(expected, 9);
            // At its place the message has room: admitting it there never goes over.
            expect(admitAt([units], places[k] ?? 0, cost, [quota])).toEqual({ admitted: true, at: places[k] });
            for (let u = 0; u < cost; u += 1) units.push(places[k] ?? 0);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('keepLineOrder', () => {
  it('leaves a message whose turn has room at its place, and puts the line behind by the wait of one that has none', () => {
    expect(keepLineOrder(1_000, 0, 900)).toEqual({ retryAt: 1_000, shift: 0 });
    expect(keepLineOrder(1_000, 20, 1_045)).toEqual({ retryAt: 1_045, shift: 45 });
    // The message behind it comes back later by as much: the spacing of the line is kept.
    expect(keepLineOrder(1_500, 45, 0)).toEqual({ retryAt: 1_545, shift: 45 });
  });

  it('keeps a line in order and at least its spacing apart, however late the room of each turn comes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000 }), fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 2, maxLength: 200 }), (step, waits) => {
        let shift = 0;
        const turns = waits.map((wait, k) => {
          const place = 10_000 + k * step;
          const next = keepLineOrder(place, shift, place + shift + wait);
          shift = next.shift;
          return next.retryAt;
        });
        for (let k = 1; k < turns.length; k += 1) expect((turns[k] ?? 0) - (turns[k - 1] ?? 0)).toBeGreaterThanOrEqual(step);
        // The line falls behind by no more than the waits it met.
        expect(shift).toBeLessThanOrEqual(waits.reduce((a, b) => a + b, 0));
      }),
      { numRuns: 300 },
    );
  });
});
