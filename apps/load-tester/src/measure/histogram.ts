// A log-bucketed latency histogram (HDR-style): constant relative precision, any range, mergeable.

/** Values are recorded in units of this many milliseconds (1 µs). */
const RESOLUTION_MS = 0.001;
/** 2^SUB_BITS exact buckets, then 2^(SUB_BITS-1) buckets per doubling: a bucket is at most 1/128 of its value wide. */
const SUB_BITS = 8;
const SUB_COUNT = 1 << SUB_BITS;
const HALF = SUB_COUNT >> 1;

export interface HistogramSummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface CdfPoint {
  /** Upper edge of the bucket, in milliseconds (clamped to the largest value seen). */
  readonly value: number;
  /** Fraction of recorded values at or below it. */
  readonly fraction: number;
}

/** Bucket of a value in resolution units (a whole number ≥ 0). */
export function bucketIndex(units: number): number {
  if (units < SUB_COUNT) return units;
  let exponent = Math.floor(Math.log2(units));
  // Math.log2 may round across a power of two for large values; correct it exactly.
  if (2 ** exponent > units) exponent -= 1;
  else if (2 ** (exponent + 1) <= units) exponent += 1;
  const shift = exponent - (SUB_BITS - 1);
  const mantissa = Math.floor(units / 2 ** shift);
  return SUB_COUNT + (shift - 1) * HALF + (mantissa - HALF);
}

/** [low, high) of a bucket, in resolution units. */
export function bucketBounds(index: number): [number, number] {
  if (index < SUB_COUNT) return [index, index + 1];
  const shift = Math.floor((index - SUB_COUNT) / HALF) + 1;
  const mantissa = ((index - SUB_COUNT) % HALF) + HALF;
  return [mantissa * 2 ** shift, (mantissa + 1) * 2 ** shift];
}

export class LogHistogram {
  private counts: number[] = [];
  private total = 0;
  private sum = 0;
  private lowest = Infinity;
  private highest = -Infinity;

  /** Records a value in milliseconds (negative values count as 0). */
  record(valueMs: number, times = 1): void {
    if (!Number.isFinite(valueMs) || times <= 0) return;
    const value = Math.max(0, valueMs);
    const index = bucketIndex(Math.round(value / RESOLUTION_MS));
    while (this.counts.length <= index) this.counts.push(0);
    this.counts[index] += times;
    this.total += times;
    this.sum += value * times;
    this.lowest = Math.min(this.lowest, value);
    this.highest = Math.max(this.highest, value);
  }

  get count(): number {
    return this.total;
  }

  get min(): number {
    return this.total === 0 ? NaN : this.lowest;
  }

  get max(): number {
    return this.total === 0 ? NaN : this.highest;
  }

  get mean(): number {
    return this.total === 0 ? NaN : this.sum / this.total;
  }

  /**
   * The smallest value v with at least p % of the records ≤ v, reported as the middle of
   * its bucket (so within 0.4 % of the true value), clamped to the observed min and max.
   */
  percentile(p: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i += 1) {
      seen += this.counts[i];
      if (seen >= rank) {
        const [low, high] = bucketBounds(i);
        const middle = ((low + high - 1) / 2) * RESOLUTION_MS;
        return Math.min(this.highest, Math.max(this.lowest, middle));
      }
    }
    return this.highest;
  }

  summary(): HistogramSummary {
    return {
      count: this.total,
      min: this.min,
      mean: this.mean,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.max,
    };
  }

  /** One point per non-empty bucket: the cumulative distribution, for charts. */
  cdf(): CdfPoint[] {
    const points: CdfPoint[] = [];
    let seen = 0;
    for (let i = 0; i < this.counts.length; i += 1) {
      const n = this.counts[i];
      if (n === 0) continue;
      seen += n;
      const high = bucketBounds(i)[1] * RESOLUTION_MS;
      points.push({ value: Math.min(this.highest, Math.max(this.lowest, high)), fraction: seen / this.total });
    }
    return points;
  }

  merge(other: LogHistogram): this {
    other.counts.forEach((n, i) => {
      if (n === 0) return;
      while (this.counts.length <= i) this.counts.push(0);
      this.counts[i] += n;
    });
    this.total += other.total;
    this.sum += other.sum;
    this.lowest = Math.min(this.lowest, other.lowest);
    this.highest = Math.max(this.highest, other.highest);
    return this;
  }
}
