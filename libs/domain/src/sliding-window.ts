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
 * t fits when every window [s, s + W) that contains t holds at most `free = limit − cost`
 * bookings. A window containing t is over exactly when it holds some free + 1 consecutive
 * bookings b_j … b_(j+free) no more than W − 1 apart, and such a group is in a window with t
 * exactly when t is in [b_(j+free) − W + 1, b_j + W − 1]. Those forbidden ranges start and
 * end in the order of j, so one pass finds the answer: from `now`, jump past every range that
 * holds t (to some b + W), and stop at the first range that starts after t.
 *
 * `scanGroups` bounds that pass for a quota with a long backlog: when the first `scanGroups`
 * ranges are all in the way, the answer is taken past the last group instead (the
 * (free + 1)-th last booking + W, where nothing can be in the way), which skips any gap
 * further on. The rate-governor's Lua does the same, so a booking costs O(log n + scanGroups).
 */
export function earliestSlot(
  booked: readonly number[],
  now: number,
  cost: number,
  quota: SlidingWindowQuota,
  scanGroups = Number.POSITIVE_INFINITY,
): number {
  if (cost > quota.limit) {
    throw new RangeError(`cost ${cost} exceeds the quota of ${quota.limit} per window`);
  }
  const { windowMs } = quota;
  const free = quota.limit - cost;
  const start = lowerBound(booked, now - windowMs + 1);
  let t = now;
  for (let j = start; j + free < booked.length; j += 1) {
    if (j - start >= scanGroups) return Math.max(t, (booked[booked.length - 1 - free] ?? t) + windowMs);
    const first = booked[j];
    const last = booked[j + free];
    if (last - windowMs + 1 > t) break;
    if (last - first <= windowMs - 1 && first + windowMs - 1 >= t) t = first + windowMs;
  }
  return t;
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
