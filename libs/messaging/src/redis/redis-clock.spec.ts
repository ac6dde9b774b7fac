import { RedisClockOffset } from './redis-clock';

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
});
