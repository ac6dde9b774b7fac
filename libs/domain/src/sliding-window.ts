// Earliest dispatch time under a sliding-window quota ("at most N in any window of W ms").

export interface SlidingWindowQuota {
  /** Units allowed in any window of `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * Earliest integer time t ≥ `now` at which `cost` more units fit, given the times
 * already booked (ascending, one entry per unit, possibly in the future).
 *
 * t fits when every window [s, s + W) that contains t holds at most `limit − cost`
 * bookings. Going from an unfit t − 1 to a fit t can only happen by losing the
 * window that starts at t − W, i.e. when t = b + W for a booking b; so the answer is
 * `now` or some b + W, and those are the only candidates tried.
 */
export function earliestSlot(
  booked: readonly number[],
  now: number,
  cost: number,
  quota: SlidingWindowQuota,
): number {
  if (cost > quota.limit) {
    throw new RangeError(`cost ${cost} exceeds the quota of ${quota.limit} per window`);
  }
  if (fits(booked, now, cost, quota)) return now;
  for (let i = lowerBound(booked, now - quota.windowMs + 1); i < booked.length; i += 1) {
    const candidate = booked[i] + quota.windowMs;
    if (candidate > now && fits(booked, candidate, cost, quota)) return candidate;
  }
  // Past the last booking plus a window nothing is in the way.
  return Math.max(now, (booked[booked.length - 1] ?? now) + quota.windowMs);
}

/** Whether `cost` units at t keep every window containing t within the limit. */
export function fits(
  booked: readonly number[],
  t: number,
  cost: number,
  { limit, windowMs }: SlidingWindowQuota,
): boolean {
  // The count over [s, s + W) peaks where a booking enters: s = t − W + 1, or s = b − W + 1 for b in (t, t + W − 1].
  const starts = [t - windowMs + 1];
  for (let i = lowerBound(booked, t + 1); i < booked.length && booked[i] <= t + windowMs - 1; i += 1) {
    starts.push(booked[i] - windowMs + 1);
  }
  return starts.every((s) => countIn(booked, s, s + windowMs) + cost <= limit);
}

/** Bookings in [from, to). */
export function countIn(sorted: readonly number[], from: number, to: number): number {
  return lowerBound(sorted, to) - lowerBound(sorted, from);
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
