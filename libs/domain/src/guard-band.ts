// The guard band: quota windows are booked longer than the carrier's, because the carrier
// counts arrivals and a message arrives up to the dispatcher's lateness after its slot.

/** The guard band (QUOTA_GUARD_MS) unless configured: with 120 ms the load-tester's pacing run left no window over quota (docs/benchmarks.md). */
export const DEFAULT_QUOTA_GUARD_MS = 120;

/** The largest guard band QUOTA_GUARD_MS accepts. */
export const MAX_QUOTA_GUARD_MS = 60_000;

/**
 * Whether a dispatcher that sends a job at most `maxLatenessMs` after its slot keeps the
 * carrier's windows within quota when slots are booked with a guard band of `guardMs`:
 * the lateness must stay under the guard band.
 */
export function latenessWithinGuardBand(maxLatenessMs: number, guardMs: number): boolean {
  return maxLatenessMs < guardMs;
}
