// Redis time as this process can tell it without asking: its own clock plus a measured offset.

/** How long one measurement is trusted; a slower one replaces the best after half of it. */
const SAMPLE_MAX_AGE_MS = 10_000;

/**
 * Redis time minus this process's clock, from the round trip with the least delay lately
 * (NTP's rule): a round trip that read Redis `TIME` between `asked` and `answered` puts the
 * offset within half its length of (Redis time − the midpoint).
 */
export class RedisClockOffset {
  private best = { offsetMs: 0, roundTripMs: Number.POSITIVE_INFINITY, at: 0 };

  /** One round trip: asked and answered on this process's clock, `redisNow` the Redis time read in it. */
  observe(asked: number, answered: number, redisNow: number): void {
    const roundTripMs = answered - asked;
    if (roundTripMs <= this.best.roundTripMs || answered - this.best.at > SAMPLE_MAX_AGE_MS / 2) {
      this.best = { offsetMs: redisNow - (asked + answered) / 2, roundTripMs, at: answered };
    }
  }

  /** The Redis time of a moment on this process's clock (exact to half the round trip). */
  redisTimeOf(localMs: number): number {
    return localMs + this.best.offsetMs;
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
