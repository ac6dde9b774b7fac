import { DEFAULT_QUOTA_GUARD_MS, latenessWithinGuardBand, MAX_QUOTA_GUARD_MS } from './guard-band';

describe('guard band', () => {
  it('admits a lateness limit only under the guard band', () => {
    expect(latenessWithinGuardBand(40, DEFAULT_QUOTA_GUARD_MS)).toBe(true);
    expect(latenessWithinGuardBand(DEFAULT_QUOTA_GUARD_MS, DEFAULT_QUOTA_GUARD_MS)).toBe(false);
    expect(latenessWithinGuardBand(200, DEFAULT_QUOTA_GUARD_MS)).toBe(false);
    expect(latenessWithinGuardBand(200, 250)).toBe(true);
    expect(DEFAULT_QUOTA_GUARD_MS).toBeLessThanOrEqual(MAX_QUOTA_GUARD_MS);
  });
});
