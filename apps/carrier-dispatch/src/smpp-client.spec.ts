import { RECONNECT_MAX_MS, reconnectDelay } from './smpp-client';

describe('reconnectDelay', () => {
  it('backs off as it is told until the longest interval', () => {
    expect(reconnectDelay(250, 0.5, 12_345)).toBe(250);
    expect(reconnectDelay(500, 0.5, 12_345)).toBe(500);
  });

  it('at the longest interval, waits for its own turn in it: two binds that failed together try half an interval apart', () => {
    const failedAt = 40_010;
    const first = failedAt + reconnectDelay(RECONNECT_MAX_MS, 0, failedAt);
    const second = failedAt + reconnectDelay(RECONNECT_MAX_MS, 0.5, failedAt);
    expect(first % RECONNECT_MAX_MS).toBe(0);
    expect(second % RECONNECT_MAX_MS).toBe(RECONNECT_MAX_MS / 2);
    expect(Math.abs(second - first)).toBe(RECONNECT_MAX_MS / 2);
    // And keep their turns: a refusal answered a few milliseconds after a try waits a whole interval.
    expect(reconnectDelay(RECONNECT_MAX_MS, 0.5, second + 3)).toBe(RECONNECT_MAX_MS - 3);
  });

  it('never tries again sooner than a quarter interval', () => {
    for (let now = 0; now < 2 * RECONNECT_MAX_MS; now += 7) {
      const delay = reconnectDelay(RECONNECT_MAX_MS, 0.25, now);
      expect(delay).toBeGreaterThanOrEqual(RECONNECT_MAX_MS / 4);
      expect(delay).toBeLessThan(RECONNECT_MAX_MS * 1.25);
      expect((now + delay) % RECONNECT_MAX_MS).toBe(RECONNECT_MAX_MS / 4);
    }
  });
});
