import { maxInWindow } from './submission.store';
import { SlidingWindowPolicer } from './throttle';

const perCarrier = (limit: number, windowMs: number) => ({ limit, windowMs, per: 'carrier' as const });

describe('SlidingWindowPolicer', () => {
  it('admits `limit` submissions in a window and refuses the next', () => {
    const policer = new SlidingWindowPolicer();
    const rules = [perCarrier(3, 1_000)];
    expect([0, 10, 20, 30].map((t) => policer.admit(rules, 'att', 's', t))).toEqual([undefined, undefined, undefined, rules[0]]);
  });

  it('slides: a submission a full window after the oldest admitted one is admitted', () => {
    const policer = new SlidingWindowPolicer();
    const rules = [perCarrier(2, 1_000)];
    expect(policer.admit(rules, 'att', 's', 0)).toBeUndefined();
    expect(policer.admit(rules, 'att', 's', 500)).toBeUndefined();
    expect(policer.admit(rules, 'att', 's', 999)).toBe(rules[0]);
    expect(policer.admit(rules, 'att', 's', 1_000)).toBeUndefined();
    expect(policer.admit(rules, 'att', 's', 1_499)).toBe(rules[0]);
    expect(policer.admit(rules, 'att', 's', 1_500)).toBeUndefined();
  });

  it('does not count refused submissions', () => {
    const policer = new SlidingWindowPolicer();
    const rules = [perCarrier(1, 100)];
    expect(policer.admit(rules, 'att', 's', 0)).toBeUndefined();
    for (let t = 1; t < 100; t += 1) expect(policer.admit(rules, 'att', 's', t)).toBe(rules[0]);
    expect(policer.admit(rules, 'att', 's', 100)).toBeUndefined();
  });

  it('keeps carriers apart, and sources apart for per-source rules', () => {
    const policer = new SlidingWindowPolicer();
    const carrierRule = [perCarrier(1, 1_000)];
    expect(policer.admit(carrierRule, 'att', 'a', 0)).toBeUndefined();
    expect(policer.admit(carrierRule, 'tmobile', 'a', 0)).toBeUndefined();
    expect(policer.admit(carrierRule, 'att', 'b', 0)).toBe(carrierRule[0]);

    const sourceRule = [{ limit: 1, windowMs: 1_000, per: 'source' as const }];
    expect(policer.admit(sourceRule, 'verizon', 'a', 0)).toBeUndefined();
    expect(policer.admit(sourceRule, 'verizon', 'b', 0)).toBeUndefined();
    expect(policer.admit(sourceRule, 'verizon', 'a', 1)).toBe(sourceRule[0]);
  });

  it('needs every rule to allow a submission, and records it once in each window', () => {
    const policer = new SlidingWindowPolicer();
    const perSecond = perCarrier(2, 1_000);
    const perSource = { limit: 1, windowMs: 1_000, per: 'source' as const };
    const rules = [perSecond, perSource];
    expect(policer.admit(rules, 'att', 'a', 0)).toBeUndefined();
    expect(policer.admit(rules, 'att', 'a', 1)).toBe(perSource);
    expect(policer.admit(rules, 'att', 'b', 2)).toBeUndefined();
    expect(policer.admit(rules, 'att', 'c', 3)).toBe(perSecond);
    // Two rules of the same scope and window share their record: admitted once, not twice.
    const twin = [perCarrier(2, 1_000), perCarrier(3, 1_000)];
    const fresh = new SlidingWindowPolicer();
    expect(fresh.admit(twin, 'att', 'a', 0)).toBeUndefined();
    expect(fresh.admit(twin, 'att', 'a', 1)).toBeUndefined();
    expect(fresh.admit(twin, 'att', 'a', 2)).toBe(twin[0]);
  });

  it('never lets more than the limit into any sliding window (the way the store counts)', () => {
    for (let run = 0; run < 20; run += 1) {
      const policer = new SlidingWindowPolicer();
      const limit = 1 + (run % 5);
      const windowMs = 50 + run * 17;
      const rules = [perCarrier(limit, windowMs)];
      let t = 0;
      const admitted: number[] = [];
      for (let i = 0; i < 500; i += 1) {
        t += (i * 7919 + run * 104729) % 23;
        if (!policer.admit(rules, 'att', 's', t)) admitted.push(t);
      }
      expect(maxInWindow(admitted, windowMs)).toBe(limit);
    }
  });

  it('forgets everything on clear', () => {
    const policer = new SlidingWindowPolicer();
    const rules = [perCarrier(1, 1_000)];
    policer.admit(rules, 'att', 's', 0);
    policer.clear();
    expect(policer.size).toBe(0);
    expect(policer.admit(rules, 'att', 's', 1)).toBeUndefined();
  });

  it('sweeps idle per-source windows once there are many', () => {
    const policer = new SlidingWindowPolicer();
    const rules = [{ limit: 1, windowMs: 10, per: 'source' as const }];
    for (let i = 0; i < 25_000; i += 1) policer.admit(rules, 'att', `s${i}`, i);
    expect(policer.size).toBeLessThanOrEqual(20_001);
  });
});
