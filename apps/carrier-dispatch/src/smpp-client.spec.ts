import { reconnectDelay } from './smpp-client';

const INTERVAL_MS = 500;

describe('reconnectDelay', () => {
  it('backs off as it is told until the longest interval', () => {
    expect(reconnectDelay(125, 0.5, 12_345, INTERVAL_MS)).toBe(125);
    expect(reconnectDelay(250, 0.5, 12_345, INTERVAL_MS)).toBe(250);
  });

  it('at the longest interval, waits for its own turn in it: two binds that failed together try half an interval apart', () => {
    const failedAt = 40_010;
    const first = failedAt + reconnectDelay(INTERVAL_MS, 0, failedAt, INTERVAL_MS);
    const second = failedAt + reconnectDelay(INTERVAL_MS, 0.5, failedAt, INTERVAL_MS);
    expect(first % INTERVAL_MS).toBe(0);
    expect(second % INTERVAL_MS).toBe(INTERVAL_MS / 2);
    expect(Math.abs(second - first)).toBe(INTERVAL_MS / 2);
    // And keep their turns: a refusal answered a few milliseconds after a try waits a whole interval.
    expect(reconnectDelay(INTERVAL_MS, 0.5, second + 3, INTERVAL_MS)).toBe(INTERVAL_MS - 3);
  });

  it('never tries again sooner than a quarter interval', () => {
    for (let now = 0; now < 2 * INTERVAL_MS; now += 7) {
      const delay = reconnectDelay(INTERVAL_MS, 0.25, now, INTERVAL_MS);
      expect(delay).toBeGreaterThanOrEqual(INTERVAL_MS / 4);
      expect(delay).toBeLessThan(INTERVAL_MS * 1.25);
      expect((now + delay) % INTERVAL_MS).toBe(INTERVAL_MS / 4);
    }
  });
});
