// Exponential back-off with jitter, the one retry pacing every supervised loop and consumer uses.

export interface BackoffPolicy {
  /** The wait before the first retry. */
  readonly initialMs: number;
  /** Doubling stops here. */
  readonly maxMs: number;
  /** Each wait is moved at random by up to this fraction either way, so replicas that failed together do not retry together. */
  readonly jitter: number;
}

/** 1 s doubling to 30 s, ±20 %. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000, jitter: 0.2 };

/** The wait before retry number `attempt` (1 for the first): `initialMs`, doubling up to `maxMs`, jittered, never above `maxMs`. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const doublings = Math.min(Math.max(attempt - 1, 0), 30);
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** doublings);
  const spread = base * policy.jitter;
  return Math.round(Math.min(policy.maxMs, Math.max(0, base - spread + random() * 2 * spread)));
}
