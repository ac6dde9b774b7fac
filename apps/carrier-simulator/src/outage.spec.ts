import { Outage } from './outage';

describe('Outage', () => {
  it('is in force from its start until its deadline, and over from the deadline on', () => {
    const outage = new Outage();
    expect(outage.state(0)).toEqual({ active: false, until: null });
    outage.start(60, 1_000);
    expect(outage.active(1_000)).toBe(true);
    expect(outage.state(60_999)).toEqual({ active: true, until: 61_000 });
    expect(outage.active(61_000)).toBe(false);
    expect(outage.state(61_000)).toEqual({ active: false, until: null });
  });

  it('ends early when switched back, and a new start replaces the deadline', () => {
    const outage = new Outage();
    outage.start(10, 0);
    outage.start(0.25, 5_000);
    expect(outage.state(5_100)).toEqual({ active: true, until: 5_250 });
    outage.end();
    expect(outage.active(5_100)).toBe(false);
  });
});
