import { seededRandom, smoothRoundRobin, weightedPicker } from './mix';

describe('mixes', () => {
  it('repeats the same choices for the same seed', () => {
    const pick = (seed: number) => {
      const next = weightedPicker([{ value: 'a', weight: 1 }, { value: 'b', weight: 3 }], seededRandom(seed));
      return Array.from({ length: 50 }, next).join('');
    };
    expect(pick(9)).toBe(pick(9));
    expect(pick(9)).not.toBe(pick(10));
  });

  it('gives exact shares with smooth round robin', () => {
    const next = smoothRoundRobin([{ value: 'x', weight: 1 }, { value: 'y', weight: 2 }, { value: 'z', weight: 0 }]);
    const picks = Array.from({ length: 300 }, next);
    expect(picks.filter((p) => p === 'x')).toHaveLength(100);
    expect(picks.filter((p) => p === 'y')).toHaveLength(200);
  });

  it('draws weighted choices in proportion', () => {
    const next = weightedPicker([{ value: 1, weight: 1 }, { value: 2, weight: 9 }], seededRandom(1));
    const twos = Array.from({ length: 10_000 }, next).filter((v) => v === 2).length;
    expect(twos).toBeGreaterThan(8_800);
    expect(twos).toBeLessThan(9_200);
  });
});
