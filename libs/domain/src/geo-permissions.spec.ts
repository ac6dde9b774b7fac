import { applyThreshold, CountryThreshold, DEFAULT_GEO_PERMISSIONS, effectiveGeoPermissions, GeoPermissions, hourWindow, HOUR_MS } from './geo-permissions';

const T = Date.parse('2026-03-10T14:20:00Z');
const threshold = (action: CountryThreshold['action'], messagesPerHour = 10, blockMinutes: number | null = null): CountryThreshold => ({
  country: 'GB',
  messagesPerHour,
  action,
  blockMinutes,
});

describe('effectiveGeoPermissions', () => {
  const own: GeoPermissions = { allowedCountries: ['US'], thresholds: [] };
  const parent: GeoPermissions = { allowedCountries: ['US', 'CA', 'GB'], thresholds: [threshold('alert')] };

  it('uses the account’s own settings over its parent’s, and US + CA without either', () => {
    expect(effectiveGeoPermissions(own, parent)).toEqual({ permissions: own, source: 'account' });
    expect(effectiveGeoPermissions(null, parent)).toEqual({ permissions: parent, source: 'parent' });
    expect(effectiveGeoPermissions(null, null)).toEqual({ permissions: DEFAULT_GEO_PERMISSIONS, source: 'default' });
    expect(DEFAULT_GEO_PERMISSIONS.allowedCountries).toEqual(['US', 'CA']);
  });
});

describe('hourWindow', () => {
  it('is the UTC clock hour', () => {
    expect(hourWindow(T)).toEqual({ start: Date.parse('2026-03-10T14:00:00Z'), end: Date.parse('2026-03-10T15:00:00Z') });
    expect(hourWindow(Date.parse('2026-03-10T15:00:00Z')).start).toBe(Date.parse('2026-03-10T15:00:00Z'));
  });
});

describe('applyThreshold', () => {
  it('lets every message through below the threshold, without an alert', () => {
    for (const action of ['block', 'alert', 'ignore'] as const) {
      expect(applyThreshold(threshold(action), 4, { before: 6, blockedUntil: 0 }, T)).toEqual({ allowed: 4, passed: false, blockUntil: null });
    }
  });

  it('blocks: the messages up to the threshold go, the rest fail, and this request is the one that passed it', () => {
    expect(applyThreshold(threshold('block'), 5, { before: 8, blockedUntil: 0 }, T)).toEqual({ allowed: 2, passed: true, blockUntil: null });
    // Exactly at the threshold is not past it.
    expect(applyThreshold(threshold('block'), 2, { before: 8, blockedUntil: 0 }, T)).toEqual({ allowed: 2, passed: false, blockUntil: null });
  });

  it('blocks every later message of the hour window, with no second alert', () => {
    expect(applyThreshold(threshold('block'), 3, { before: 13, blockedUntil: 0 }, T)).toEqual({ allowed: 0, passed: false, blockUntil: null });
  });

  it('keeps a block longer than the hour window when block_minutes says so, and honours it in the next window', () => {
    const passed = applyThreshold(threshold('block', 10, 90), 1, { before: 10, blockedUntil: 0 }, T);
    expect(passed).toEqual({ allowed: 0, passed: true, blockUntil: T + 90 * 60_000 });
    const blockedUntil = T + 90 * 60_000;
    expect(applyThreshold(threshold('block', 10, 90), 1, { before: 0, blockedUntil }, T + HOUR_MS)).toEqual({ allowed: 0, passed: false, blockUntil: null });
    expect(applyThreshold(threshold('block', 10, 90), 1, { before: 0, blockedUntil }, T + 91 * 60_000)).toMatchObject({ allowed: 1 });
  });

  it('needs no marker when block_minutes ends inside the hour window: the count blocks until it ends', () => {
    expect(applyThreshold(threshold('block', 10, 5), 2, { before: 10, blockedUntil: 0 }, T)).toEqual({ allowed: 0, passed: true, blockUntil: null });
  });

  it('alerts once, at the request that passes the threshold, and lets every message through', () => {
    expect(applyThreshold(threshold('alert'), 5, { before: 8, blockedUntil: 0 }, T)).toEqual({ allowed: 5, passed: true, blockUntil: null });
    expect(applyThreshold(threshold('alert'), 5, { before: 13, blockedUntil: 0 }, T)).toEqual({ allowed: 5, passed: false, blockUntil: null });
  });

  it('ignores the threshold entirely with action ignore', () => {
    expect(applyThreshold(threshold('ignore'), 50, { before: 100, blockedUntil: T + HOUR_MS }, T)).toEqual({ allowed: 50, passed: false, blockUntil: null });
  });
});
