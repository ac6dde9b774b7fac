import fc from 'fast-check';
import { GcraMeter } from './api-rate.limiter';

describe('GcraMeter', () => {
  it('admits a burst of `rate` at once, then one request per 1/rate seconds', () => {
    const meter = new GcraMeter();
    const admitted = Array.from({ length: 8 }, () => meter.take('MA1', 5, 0)).filter((wait) => wait === 0);
    expect(admitted).toHaveLength(5);
    expect(meter.take('MA1', 5, 100_000)).toBeGreaterThan(0);
    expect(meter.take('MA1', 5, 200_000)).toBe(0);
  });

  it('never admits more than rate × (window + 1 s) in any window, whatever the arrivals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 5_000_000 }), { maxLength: 400 }), (rate, arrivals) => {
        const meter = new GcraMeter();
        const admitted = [...arrivals].sort((a, b) => a - b).filter((t) => meter.take('MA1', rate, t) === 0);
        for (const start of admitted) {
          const inOneSecond = admitted.filter((t) => t >= start && t < start + 1_000_000).length;
          // A full burst plus what drips in during the second.
          expect(inOneSecond).toBeLessThanOrEqual(2 * rate);
        }
        const inFiveSeconds = admitted.length;
        expect(inFiveSeconds).toBeLessThanOrEqual(rate * 5 + rate);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps accounts apart', () => {
    const meter = new GcraMeter();
    expect(meter.take('MA1', 1, 0)).toBe(0);
    expect(meter.take('MA1', 1, 0)).toBeGreaterThan(0);
    expect(meter.take('MA2', 1, 0)).toBe(0);
  });
});
