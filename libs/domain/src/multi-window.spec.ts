import fc from 'fast-check';
import { earliestCommonSlot } from './multi-window';
import { countIn, fits } from './sliding-window';

describe('earliestCommonSlot', () => {
  it('waits for the tightest quota', () => {
    const mps = { limit: 5, windowMs: 1_000 };
    const tpm = { limit: 6, windowMs: 60_000 };
    const booked: number[][] = [[], []];
    const slots: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const t = earliestCommonSlot(booked, 0, 1, [mps, tpm]);
      booked.forEach((b) => b.push(t));
      slots.push(t);
    }
    expect(slots).toEqual([0, 0, 0, 0, 0, 1_000, 60_000, 60_000]);
  });

  it('finds the earliest time every quota fits, and no window ever overflows', () => {
    const quota = fc.record({ limit: fc.integer({ min: 1, max: 6 }), windowMs: fc.integer({ min: 5, max: 500 }) });
    fc.assert(
      fc.property(
        fc.array(quota, { minLength: 1, maxLength: 3 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 2_000 }), cost: fc.integer({ min: 1, max: 3 }), uses: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }) }), { maxLength: 30 }),
        (quotas, arrivals) => {
          const booked: number[][] = quotas.map(() => []);
          for (const arrival of [...arrivals].sort((a, b) => a.at - b.at)) {
            // Each message is subject to some of the quotas (like carriers sharing an account MPS).
            const applies = quotas.map((_, i) => i === 0 || arrival.uses[i]);
            const subset = quotas.filter((_, i) => applies[i]);
            const cost = Math.min(arrival.cost, ...subset.map((q) => q.limit));
            const t = earliestCommonSlot(booked.filter((_, i) => applies[i]), arrival.at, cost, subset);
            expect(t).toBeGreaterThanOrEqual(arrival.at);
            // Earliest: no earlier integer time fits every quota that applies.
            for (let e = arrival.at; e < t; e += 1) {
              expect(subset.every((q, k) => fits(booked.filter((_, i) => applies[i])[k], e, cost, q))).toBe(false);
            }
            booked.forEach((b, i) => {
              if (!applies[i]) return;
              for (let u = 0; u < cost; u += 1) b.push(t);
              b.sort((x, y) => x - y);
            });
          }
          quotas.forEach((q, i) => {
            for (const b of booked[i]) {
              for (const s of [b, b - q.windowMs + 1]) expect(countIn(booked[i], s, s + q.windowMs)).toBeLessThanOrEqual(q.limit);
            }
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
