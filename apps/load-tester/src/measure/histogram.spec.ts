import { must } from '@sluice/contracts';
import fc from 'fast-check';
import { bucketBounds, bucketIndex, LogHistogram } from './histogram';

/** The exact percentile with the same definition: the smallest value with ≥ p % of values at or below it. */
function exactPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return must(sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1], `the p${p} value`);
}

describe('LogHistogram', () => {
  it('puts every whole number in a bucket that contains it, buckets in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), (units) => {
        const [low, high] = bucketBounds(bucketIndex(units));
        expect(low).toBeLessThanOrEqual(units);
        expect(units).toBeLessThan(high);
        // A bucket is never wider than 1/128 of its lower edge (exact below 256).
        expect(high - low).toBeLessThanOrEqual(Math.max(1, low / 128));
      }),
    );
    for (let u = 0; u < 5_000; u += 1) expect(bucketIndex(u + 1)).toBeGreaterThanOrEqual(bucketIndex(u));
    // Powers of two, where Math.log2 is most likely to round the wrong way.
    for (let e = 8; e < 48; e += 1) {
      expect(bucketBounds(bucketIndex(2 ** e))[0]).toBe(2 ** e);
      expect(bucketBounds(bucketIndex(2 ** e - 1))[1]).toBe(2 ** e);
    }
  });

  it('reports percentiles within 0.5 % of the exact ones, and exact count, min, max and mean', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 600_000, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.constantFrom(0, 1, 50, 90, 99, 99.9, 100),
        (values, p) => {
          const histogram = new LogHistogram();
          values.forEach((v) => histogram.record(v));
          const exact = exactPercentile(values, p);
          // 1 µs of rounding plus the half-bucket error.
          expect(Math.abs(histogram.percentile(p) - exact)).toBeLessThanOrEqual(exact * 0.005 + 0.001);
          expect(histogram.count).toBe(values.length);
          expect(histogram.min).toBe(Math.min(...values));
          expect(histogram.max).toBe(Math.max(...values));
          expect(histogram.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
        },
      ),
    );
  });

  it('is exact for whole microseconds below 0.256 ms and counts repeats', () => {
    const histogram = new LogHistogram();
    histogram.record(0.1, 3);
    histogram.record(0.2);
    expect(histogram.percentile(75)).toBeCloseTo(0.1, 9);
    expect(histogram.percentile(76)).toBeCloseTo(0.2, 9);
  });

  it('merges to the same distribution as recording everything in one', () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    const all = new LogHistogram();
    for (let i = 1; i <= 1_000; i += 1) {
      (i % 3 === 0 ? a : b).record(i * 1.7);
      all.record(i * 1.7);
    }
    expect(a.merge(b).summary()).toEqual(all.summary());
  });

  it('gives a CDF that rises to 1 and ignores what is not a finite number', () => {
    const histogram = new LogHistogram();
    [5, 1, 3, NaN, Infinity, 3].forEach((v) => histogram.record(v));
    const cdf = histogram.cdf();
    expect(cdf.map((p) => p.fraction)).toEqual([0.25, 0.75, 1]);
    expect(cdf.at(-1)?.value).toBe(5);
    expect(new LogHistogram().summary().count).toBe(0);
    expect(new LogHistogram().percentile(50)).toBeNaN();
  });
});
