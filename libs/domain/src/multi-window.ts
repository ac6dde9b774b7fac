// Earliest time that fits several sliding-window quotas at once.
import { earliestSlot, SlidingWindowQuota } from './sliding-window';

/**
 * Each quota's own earliest fit at or after t is ≤ the common answer, so taking their
 * maximum never overshoots; repeating until no quota moves t gives the earliest time
 * every quota fits. `booked[i]` are quota i's bookings, ascending.
 */
export function earliestCommonSlot(
  booked: ReadonlyArray<readonly number[]>,
  now: number,
  cost: number,
  quotas: readonly SlidingWindowQuota[],
): number {
  let t = now;
  for (;;) {
    const next = Math.max(t, ...quotas.map((q, i) => earliestSlot(booked[i] ?? [], t, cost, q)));
    if (next === t) return t;
    t = next;
  }
}
