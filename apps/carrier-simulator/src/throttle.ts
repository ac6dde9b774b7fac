// The simulated carrier's throughput policing: sliding windows over the submissions it let through.
import type { CarrierId } from './carriers';
import type { ThrottleRule } from './carrier-profiles';

/** Past this many windows (per-source rules make one per sender), idle ones are swept. */
const SWEEP_ABOVE = 10_000;

/** Admission times (epoch ms) still inside a window, oldest first; `head` skips the expired ones. */
class TimeQueue {
  private times: number[] = [];
  private head = 0;

  /** Admissions t with now - t < windowMs: the same "less than a window apart" rule as maxInWindow. */
  countWithin(now: number, windowMs: number): number {
    for (let oldest = this.times[this.head]; oldest !== undefined && now - oldest >= windowMs; oldest = this.times[this.head]) {
      this.head += 1;
    }
    if (this.head > 1_024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  push(now: number): void {
    this.times.push(now);
  }

  get empty(): boolean {
    return this.head >= this.times.length;
  }
}

/**
 * A submission is admitted only if, for every rule, fewer than `limit` admissions of the
 * same carrier (and source, for `per: source`) happened less than `windowMs` before it.
 * Refused submissions are not counted, so a sender backing off is admitted again once the
 * window has moved on. Rules with the same scope and window share one record of times, so
 * changing only a limit at run time keeps the history.
 */
export class SlidingWindowPolicer {
  private readonly windows = new Map<string, { queue: TimeQueue; windowMs: number }>();
  private admittedSinceSweep = 0;

  /** Records the admission and returns undefined, or returns the first rule it would break. */
  admit(rules: readonly ThrottleRule[], carrier: CarrierId, source: string, now: number): ThrottleRule | undefined {
    if (rules.length === 0) return undefined;
    const queues = new Map<string, TimeQueue>();
    for (const rule of rules) {
      const key = `${carrier}|${rule.per}|${rule.windowMs}|${rule.per === 'source' ? source : ''}`;
      let entry = this.windows.get(key);
      if (!entry) {
        entry = { queue: new TimeQueue(), windowMs: rule.windowMs };
        this.windows.set(key, entry);
      }
      if (entry.queue.countWithin(now, rule.windowMs) >= rule.limit) return rule;
      queues.set(key, entry.queue);
    }
    for (const queue of queues.values()) queue.push(now);
    this.admittedSinceSweep += 1;
    if (this.windows.size > SWEEP_ABOVE && this.admittedSinceSweep >= SWEEP_ABOVE) this.sweep(now);
    return undefined;
  }

  /** Forgets every window (a reset starts the carrier's count afresh). */
  clear(): void {
    this.windows.clear();
    this.admittedSinceSweep = 0;
  }

  /** How many windows are kept, for tests. */
  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    this.admittedSinceSweep = 0;
    for (const [key, { queue, windowMs }] of this.windows) {
      queue.countWithin(now, windowMs);
      if (queue.empty) this.windows.delete(key);
    }
  }
}
