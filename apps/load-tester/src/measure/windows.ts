// Counting arrivals in sliding windows, the way the carrier-simulator's /count does: two
// submissions share a window of W ms when they are less than W ms apart, i.e. [t, t + W).

export interface WindowPeak {
  /** The most arrivals in any window [t, t + windowMs). */
  readonly max: number;
  /** Start of the first window holding that many (NaN when there are no arrivals). */
  readonly at: number;
}

/** `times` ascending (epoch ms, one entry per unit). O(n). */
export function maxInWindow(times: readonly number[], windowMs: number): WindowPeak {
  let best = 0;
  let at = NaN;
  let end = 0;
  // A fullest window can always be slid right until it starts at an arrival.
  for (let start = 0; start < times.length; start += 1) {
    if (end < start) end = start;
    while (end < times.length && times[end] < times[start] + windowMs) end += 1;
    if (end - start > best) {
      best = end - start;
      at = times[start];
    }
  }
  return { max: best, at };
}

/**
 * For charts: for each step of `stepMs` from `from`, the fullest window [t, t + windowMs)
 * whose start t lies in that step. Its maximum over all steps is maxInWindow().max.
 */
export function windowSeries(times: readonly number[], windowMs: number, from: number, to: number, stepMs: number): Array<{ t: number; count: number }> {
  const steps = Math.max(1, Math.ceil((to - from) / stepMs));
  const series = Array.from({ length: steps }, (_, i) => ({ t: from + i * stepMs, count: 0 }));
  let end = 0;
  for (let start = 0; start < times.length; start += 1) {
    if (end < start) end = start;
    while (end < times.length && times[end] < times[start] + windowMs) end += 1;
    const step = Math.floor((times[start] - from) / stepMs);
    if (step >= 0 && step < steps) series[step].count = Math.max(series[step].count, end - start);
  }
  return series;
}

/** Arrivals per bucket of `bucketMs` from `from` to `to`. */
export function countsPerBucket(times: readonly number[], from: number, to: number, bucketMs: number): number[] {
  const counts = new Array<number>(Math.max(1, Math.ceil((to - from) / bucketMs))).fill(0);
  for (const t of times) {
    const bucket = Math.floor((t - from) / bucketMs);
    if (bucket >= 0 && bucket < counts.length) counts[bucket] += 1;
  }
  return counts;
}

/**
 * How much of a quota a backlog used while it drained: the fastest drain the quota allows
 * against the drain seen, each counted as its span (first to last arrival) plus one window.
 * The fastest drain of n units sends `limit` at once and again every `windowMs`, spanning
 * (⌈n ÷ limit⌉ − 1) windows; so a quota used to the last unit scores 1, also when the last
 * window is only partly needed, and one used half the time scores about 0.5.
 */
export function utilisation(times: readonly number[], limit: number, windowMs: number): number {
  if (times.length === 0) return NaN;
  const span = times[times.length - 1] - times[0];
  return Math.min(1, (Math.ceil(times.length / limit) * windowMs) / (span + windowMs));
}

/**
 * When each message would reach the carrier if its quota were used to the full, first come
 * first served: unit j goes at the latest of its message's acceptance, `notBefore` (the end of
 * a carrier outage) and the time unit j − limit went plus the window. A message's time is
 * that of its last unit. `messages` in acceptance order; units above the limit count as the limit.
 */
export function fullRateTimes(messages: ReadonlyArray<{ readonly acceptedAt: number; readonly units: number }>, limit: number, windowMs: number, notBefore = -Infinity): number[] {
  const units: number[] = [];
  return messages.map((message) => {
    const cost = Math.max(1, Math.min(message.units, limit));
    let at = Math.max(message.acceptedAt, notBefore);
    // Its units go together: each needs the unit `limit` before it out of the window.
    for (let u = 0; u < cost; u += 1) {
      const previous = units[units.length + u - limit];
      if (previous !== undefined) at = Math.max(at, previous + windowMs);
    }
    for (let u = 0; u < cost; u += 1) units.push(at);
    return at;
  });
}

/**
 * When each message would reach the carrier if every quota were used to the full, first come
 * first served across all of them: a message goes at the latest of its acceptance,
 * `notBefore`, and, for each quota it counts against (`quotas`, indices into `limits`), the
 * time the unit `limit` before each of its units went plus the window. This is what the
 * quotas together allow for the traffic as it was offered: a brand's TPM behind its
 * account's MPS, a quota that is fed slower than its rate. `messages` in acceptance order;
 * units above a limit count as the limit.
 */
export function allowedTimes(
  messages: ReadonlyArray<{ readonly acceptedAt: number; readonly units: number; readonly quotas: readonly number[] }>,
  limits: ReadonlyArray<{ readonly limit: number; readonly windowMs: number }>,
  notBefore = -Infinity,
): number[] {
  const units: number[][] = limits.map(() => []);
  return messages.map((message) => {
    let at = Math.max(message.acceptedAt, notBefore);
    for (const q of message.quotas) {
      const { limit, windowMs } = limits[q] ?? { limit: Infinity, windowMs: 0 };
      const cost = Math.max(1, Math.min(message.units, limit));
      const sent = units[q] ?? [];
      for (let u = 0; u < cost; u += 1) {
        const previous = sent[sent.length + u - limit];
        if (previous !== undefined) at = Math.max(at, previous + windowMs);
      }
    }
    for (const q of message.quotas) {
      const cost = Math.max(1, Math.min(message.units, limits[q]?.limit ?? 1));
      for (let u = 0; u < cost; u += 1) units[q]?.push(at);
    }
    return at;
  });
}

/**
 * How much of what its quotas allowed a quota's traffic used: the drain `allowedTimes` gives
 * its messages against the drain seen, each counted as its span (first to last) plus the time
 * the quota gives one unit (window ÷ limit). Unlike `utilisation` it does not score a quota
 * against a drain the other quotas of its messages, or the pace at which they were offered,
 * made impossible; and a long window's lateness is not diluted by a whole window added to
 * both drains.
 */
export function utilisationOfAllowed(allowed: readonly number[], seen: readonly number[], limit: number, windowMs: number): number {
  if (allowed.length === 0 || seen.length === 0) return NaN;
  const span = (times: readonly number[]) => Math.max(...times) - Math.min(...times);
  const unit = windowMs / limit;
  return Math.min(1, (span(allowed) + unit) / (span(seen) + unit));
}
