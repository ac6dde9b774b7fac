// The one clock the platform's timing reads: milliseconds with a fraction, the same on every thread of a process.

/**
 * This process's clock in ms with a fraction (to the microsecond): the monotonic clock from
 * the process's start on, as epoch ms. Redis `TIME` has microseconds too, so a bound taken on
 * the two is not widened by whole-millisecond reads. A worker thread reads the same clock
 * (its time origin is its own, its sum agrees to a few microseconds), so a moment can be
 * handed between threads. Only differences and offsets measured on it are meaningful.
 */
export function preciseNowMs(): number {
  return performance.timeOrigin + performance.now();
}
