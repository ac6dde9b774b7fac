// Redis time as this process can tell it without asking: its own clock plus a measured offset.

/** How long one measurement is trusted at most. */
const SAMPLE_MAX_AGE_MS = 10_000;

/**
 * How fast two clocks may drift apart, in ms per ms: 1,000 ppm, twice the most a kernel
 * disciplined by NTP slews one clock. A measurement's bounds widen by as much as it ages.
 */
export const CLOCK_DRIFT_PER_MS = 1e-3;


/**
 * Redis time minus this process's clock, from the round trip with the least delay lately
 * (NTP's rule): a round trip that read Redis `TIME` between `asked` and `answered` puts the
 * offset within half its length of (Redis time − the midpoint). The bound widens with the
 * measurement's age by `CLOCK_DRIFT_PER_MS`, and a new measurement replaces the one in use
 * when its bound is as tight as that one's is by then.
 */
export class RedisClockOffset {
  private best = { offsetMs: 0, roundTripMs: Number.POSITIVE_INFINITY, at: 0 };

  /** One round trip: asked and answered on this process's clock, `redisNow` the Redis time read in it. */
  observe(asked: number, answered: number, redisNow: number): void {
    const roundTripMs = Math.max(0, answered - asked);
    if (roundTripMs / 2 <= this.uncertaintyAt(answered) || answered - this.best.at > SAMPLE_MAX_AGE_MS / 2) {
      this.best = { offsetMs: redisNow - (asked + answered) / 2, roundTripMs, at: answered };
    }
  }

  /** The Redis time of a moment on this process's clock (exact to `uncertaintyAt` of it). */
  redisTimeOf(localMs: number): number {
    return localMs + this.best.offsetMs;
  }

  /** How far `redisTimeOf(localMs)` may be from the truth: half the round trip, widened by the drift since (infinite before the first). */
  uncertaintyAt(localMs: number): number {
    return this.best.roundTripMs / 2 + Math.abs(localMs - this.best.at) * CLOCK_DRIFT_PER_MS;
  }

  /** The latest Redis time the moment `localMs` on this process's clock can have been (never earlier than it was). */
  latestRedisTimeOf(localMs: number): number {
    return this.redisTimeOf(localMs) + this.uncertaintyAt(localMs);
  }

  /**
   * The first moment on this process's clock from which Redis time is surely `redisMs` or
   * later: x with redisTimeOf(x) − uncertaintyAt(x) = redisMs (before any measurement, the
   * offset is taken as 0).
   */
  surelyReached(redisMs: number): number {
    if (!Number.isFinite(this.best.roundTripMs)) return redisMs - this.best.offsetMs;
    const undrifted = redisMs - this.best.offsetMs + this.best.roundTripMs / 2;
    return undrifted >= this.best.at
      ? (undrifted - this.best.at * CLOCK_DRIFT_PER_MS) / (1 - CLOCK_DRIFT_PER_MS)
      : (undrifted + this.best.at * CLOCK_DRIFT_PER_MS) / (1 + CLOCK_DRIFT_PER_MS);
  }

  /** The round trip of the measurement in use (infinite before the first). */
  get roundTripMs(): number {
    return this.best.roundTripMs;
  }

  /** Whether there is a measurement recent enough to use at `localMs`. */
  fresh(localMs: number): boolean {
    return Number.isFinite(this.best.roundTripMs) && localMs - this.best.at <= SAMPLE_MAX_AGE_MS;
  }
}
