import fc from 'fast-check';
import { admitAt, keepLineOrder, lineSpacing, spacedRetry } from './hand-off-admission';
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

describe('spacedRetry', () => {
  it('spreads a backlog refused at once at the quota rate', () => {
    let cursor: number | null = null;
    const retries: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const next = spacedRetry(0, 1_000, cursor, 1, MPS5, 100);
      retries.push(next.retryAt);
      cursor = next.cursor;
    }
    expect(retries).toEqual([1_000, 1_200, 1_400, 1_600, 1_800, 2_000, 2_200, 2_400, 2_600, 2_800]);
  });

  it('ignores a cursor left in the past', () => {
    expect(spacedRetry(4_000, 5_000, 1_000, 2, MPS5, 100)).toEqual({ retryAt: 5_000, cursor: 5_400 });
  });

  it('leaves the cursor alone when the room is only a few milliseconds away', () => {
    expect(spacedRetry(4_950, 5_000, 9_000, 1, MPS5, 100)).toEqual({ retryAt: 5_000, cursor: 9_000 });
  });
});

describe('lineSpacing', () => {
  it('spaces a line at its quota\'s rate, or at a shorter window\'s faster rate of the same message', () => {
    const tpm = { limit: 4_500, windowMs: 60_000 };
    const mps100 = { limit: 100, windowMs: 1_000 };
    expect(lineSpacing(1, [MPS5], 0)).toBe(200);
    expect(lineSpacing(3, [MPS5], 0)).toBe(600);
    // 60,000 / 4,500 = 13.3 ms alone; behind an account at 100 MPS its room comes back 10 ms apart.
    expect(lineSpacing(1, [tpm], 0)).toBe(14);
    expect(lineSpacing(1, [tpm, mps100], 0)).toBe(10);
    // A slower shorter window leaves the long one its own spacing, and a long window never speeds a short one.
    expect(lineSpacing(1, [tpm, MPS5], 0)).toBe(14);
    expect(lineSpacing(1, [tpm, mps100], 1)).toBe(10);
    expect(lineSpacing(1, [MPS5, mps100], 0)).toBe(200);
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
