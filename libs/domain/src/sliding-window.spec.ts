import fc from 'fast-check';
import { countIn, earliestSlot, fits } from './sliding-window';

const MPS5 = { limit: 5, windowMs: 1000 };

function book(booked: number[], t: number, cost: number): void {
  for (let i = 0; i < cost; i += 1) booked.push(t);
  booked.sort((a, b) => a - b);
}

describe('earliestSlot', () => {
  it('sends ten single-unit messages at 5 MPS as five now and five one second later', () => {
    const booked: number[] = [];
    const slots = Array.from({ length: 10 }, () => {
      const t = earliestSlot(booked, 0, 1, MPS5);
      book(booked, t, 1);
      return t;
    });
    expect(slots).toEqual([0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000]);
  });

  it('fills a gap before a booking already scheduled in the future', () => {
    const booked = [5000, 5000, 5000, 5000, 5000];
    expect(earliestSlot(booked, 0, 1, MPS5)).toBe(0);
    expect(earliestSlot(booked, 4500, 1, MPS5)).toBe(6000);
  });

  it('charges multi-unit messages their units', () => {
    const booked: number[] = [];
    book(booked, earliestSlot(booked, 0, 3, MPS5), 3);
    expect(earliestSlot(booked, 0, 3, MPS5)).toBe(1000);
    expect(earliestSlot(booked, 0, 2, MPS5)).toBe(0);
  });

  it('refuses a cost larger than the quota', () => {
    expect(() => earliestSlot([], 0, 6, MPS5)).toThrow(RangeError);
  });

  it('finds the first time that fits, as trying every time from now on does, among bookings anywhere', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 1_500 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 1_500 }),
        fc.integer({ min: 1, max: 6 }),
        (limit, windowMs, times, now, wanted) => {
          const quota = { limit, windowMs };
          const booked = [...times].sort((a, b) => a - b);
          const cost = Math.min(wanted, limit);
          let expected = now;
          while (!fits(booked, expected, cost, quota)) expected += 1;
          expect(earliestSlot(booked, now, cost, quota)).toBe(expected);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('with a bounded pass, still gives a time that fits, never before the first one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 1_500 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 1_500 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        (limit, windowMs, times, now, wanted, scanGroups) => {
          const quota = { limit, windowMs };
          const booked = [...times].sort((a, b) => a - b);
          const cost = Math.min(wanted, limit);
          const bounded = earliestSlot(booked, now, cost, quota, scanGroups);
          expect(fits(booked, bounded, cost, quota)).toBe(true);
          expect(bounded).toBeGreaterThanOrEqual(earliestSlot(booked, now, cost, quota));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('never lets any sliding window exceed the limit and never waits past the earliest fit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 10, max: 2000 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 5000 }), cost: fc.integer({ min: 1, max: 3 }) }), {
          maxLength: 40,
        }),
        (limit, windowMs, arrivals) => {
          const quota = { limit, windowMs };
          const booked: number[] = [];
          let now = 0;
          for (const arrival of [...arrivals].sort((a, b) => a.at - b.at)) {
            now = arrival.at;
            const cost = Math.min(arrival.cost, limit);
            const t = earliestSlot(booked, now, cost, quota);
            expect(t).toBeGreaterThanOrEqual(now);
            // No earlier time fits (checked by brute force over a bounded range).
            for (let earlier = now; earlier < t; earlier += Math.max(1, Math.floor((t - now) / 50))) {
              expect(fits(booked, earlier, cost, quota)).toBe(false);
            }
            book(booked, t, cost);
          }
          for (const start of booked) {
            for (const s of [start, start - windowMs + 1]) {
              expect(countIn(booked, s, s + windowMs)).toBeLessThanOrEqual(limit);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
