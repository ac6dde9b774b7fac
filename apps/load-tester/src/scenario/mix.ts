// Seeded choices, so that a scenario sends the same mix every run.

/** mulberry32: small, fast, good enough for picking mixes (not for anything secret). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Picks among weighted options at random. */
export function weightedPicker<T>(options: ReadonlyArray<{ value: T; weight: number }>, random: () => number): () => T {
  const usable = options.filter((o) => o.weight > 0);
  if (usable.length === 0) throw new RangeError('no option has a weight above 0');
  const total = usable.reduce((sum, o) => sum + o.weight, 0);
  return () => {
    let r = random() * total;
    for (const option of usable) {
      r -= option.weight;
      if (r < 0) return option.value;
    }
    return usable[usable.length - 1].value;
  };
}

/**
 * Smooth weighted round robin (as nginx balances upstreams): after any n picks each option
 * has been taken within one of n × its share, so group sizes are exact, not just expected.
 */
export function smoothRoundRobin<T>(options: ReadonlyArray<{ value: T; weight: number }>): () => T {
  const usable = options.filter((o) => o.weight > 0);
  if (usable.length === 0) throw new RangeError('no option has a weight above 0');
  const total = usable.reduce((sum, o) => sum + o.weight, 0);
  const current = usable.map(() => 0);
  return () => {
    let best = 0;
    for (let i = 0; i < usable.length; i += 1) {
      current[i] += usable[i].weight;
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    return usable[best].value;
  };
}

export function entriesOf<K extends string>(record: Partial<Record<K, number>>): Array<{ value: K; weight: number }> {
  return (Object.entries(record) as Array<[K, number | undefined]>).map(([value, weight]) => ({ value, weight: weight ?? 0 }));
}
