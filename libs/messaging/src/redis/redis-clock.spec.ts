import { CLOCK_DRIFT_PER_MS, RedisClockOffset } from './redis-clock';

describe('RedisClockOffset', () => {
  it('takes the offset from the midpoint of the round trip with the least delay', () => {
    const clock = new RedisClockOffset();
    expect(clock.fresh(1_000)).toBe(false);
    clock.observe(1_000, 1_040, 6_030); // offset 5,010, round trip 40 ms
    clock.observe(1_100, 1_104, 6_102); // offset 5,000, round trip 4 ms: better
    clock.observe(1_200, 1_260, 6_300); // slower again: ignored
    expect(clock.redisTimeOf(2_000)).toBe(7_000);
    expect(clock.roundTripMs).toBe(4);
    expect(clock.fresh(11_104)).toBe(true);
    expect(clock.fresh(11_105)).toBe(false);
  });

  it('lets a slower measurement replace one more than five seconds old', () => {
    const clock = new RedisClockOffset();
    clock.observe(0, 2, 1_001);
    clock.observe(6_000, 6_020, 7_030);
    expect(clock.roundTripMs).toBe(20);
    expect(clock.redisTimeOf(10_000)).toBe(11_020);
  });

  it('widens its bounds as the measurement ages, and takes a looser one once the old has widened past it', () => {
    const clock = new RedisClockOffset();
    clock.observe(0, 2, 1_001); // offset 1,000 ± 1
    expect(clock.uncertaintyAt(2)).toBe(1);
    expect(clock.uncertaintyAt(1_002)).toBeCloseTo(1 + 1_000 * CLOCK_DRIFT_PER_MS, 9);
    clock.observe(3_000, 3_010, 4_004); // ± 5, against ± 4 by then: kept out
    expect(clock.roundTripMs).toBe(2);
    clock.observe(4_000, 4_008, 5_005); // ± 4, against ± 5 by then: taken
    expect(clock.roundTripMs).toBe(8);
    expect(clock.redisTimeOf(4_004)).toBe(5_005);
  });

  it('bounds a moment on either side: its latest Redis time, and when a Redis time has surely come', () => {
    const clock = new RedisClockOffset();
    clock.observe(100, 100.4, 1_100.2); // offset 1,000 ± 0.2
    expect(clock.latestRedisTimeOf(100.4)).toBeCloseTo(1_100.6, 9);
    // Redis time 1,200 has surely come once the local clock reads 200 + 0.2 (+ the drift over those 100 ms).
    const local = clock.surelyReached(1_200);
    expect(local).toBeCloseTo(200.2 + (200.2 - 100.4) * CLOCK_DRIFT_PER_MS, 3);
    expect(clock.redisTimeOf(local) - clock.uncertaintyAt(local)).toBeCloseTo(1_200, 9);
    // The same before the measurement: the drift widens the bound backwards in time too.
    const earlier = clock.surelyReached(1_050);
    expect(earlier).toBeCloseTo(50.2 + (100.4 - 50.2) * CLOCK_DRIFT_PER_MS, 3);
    expect(clock.redisTimeOf(earlier) - clock.uncertaintyAt(earlier)).toBeCloseTo(1_050, 9);
  });
});
