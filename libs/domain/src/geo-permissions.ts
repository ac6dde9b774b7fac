// Geo permissions: which destination countries an account may send to, and per-country hourly thresholds.

export const ThresholdAction = {
  /** Past the threshold the country's messages fail with 451 until the block ends. */
  Block: 'block',
  /** Past the threshold an operator alert is raised; messages still go. */
  Alert: 'alert',
  /** The threshold is kept but has no effect. */
  Ignore: 'ignore',
} as const;
export type ThresholdAction = (typeof ThresholdAction)[keyof typeof ThresholdAction];

export interface CountryThreshold {
  /** ISO 3166 alpha-2. */
  readonly country: string;
  /** Messages per hour window; the threshold is passed by the first message beyond it. */
  readonly messagesPerHour: number;
  readonly action: ThresholdAction;
  /**
   * Block only: how long a block lasts at least, in minutes from the message that passed the
   * threshold. Null: the rest of the hour window in which it was passed.
   */
  readonly blockMinutes: number | null;
}

export interface GeoPermissions {
  readonly allowedCountries: readonly string[];
  readonly thresholds: readonly CountryThreshold[];
}

/** What an account without settings of its own (and without a parent that has some) gets. */
export const DEFAULT_GEO_PERMISSIONS: GeoPermissions = { allowedCountries: ['US', 'CA'], thresholds: [] };

export type GeoPermissionsSource = 'account' | 'parent' | 'default';

/** A subaccount's own settings replace its parent's as a whole; without either, the default. */
export function effectiveGeoPermissions(own: GeoPermissions | null, parent: GeoPermissions | null): { permissions: GeoPermissions; source: GeoPermissionsSource } {
  if (own) return { permissions: own, source: 'account' };
  if (parent) return { permissions: parent, source: 'parent' };
  return { permissions: DEFAULT_GEO_PERMISSIONS, source: 'default' };
}

export const HOUR_MS = 3_600_000;

/** The hour window `at` falls in: whole UTC clock hours, [start, end). */
export function hourWindow(at: number): { readonly start: number; readonly end: number } {
  const start = at - (at % HOUR_MS);
  return { start, end: start + HOUR_MS };
}

/** An (account, country) hourly count as it stood before a request's messages were added. */
export interface HourlyCount {
  /** Messages counted in the current hour window before this request. */
  readonly before: number;
  /** Epoch ms until which a block set earlier holds (0: none). While it holds nothing is counted. */
  readonly blockedUntil: number;
}

export interface ThresholdOutcome {
  /** How many of the offered messages may go; the rest fail with 451. */
  readonly allowed: number;
  /** This request passed the threshold: the one request per period that raises the alert. */
  readonly passed: boolean;
  /** A block that must outlast the hour window: until when (epoch ms); else null. */
  readonly blockUntil: number | null;
}

/**
 * The effect of a threshold on `offered` messages to its country at `now`. The count is
 * atomic and shared by every gateway replica, so exactly one request per hour window sees
 * the count cross the threshold (`passed`). With `block`, the messages up to the
 * threshold go and every later one fails until the block ends: the rest of the hour
 * window, or `blockMinutes` from the crossing when that is longer.
 */
export function applyThreshold(threshold: CountryThreshold, offered: number, count: HourlyCount, now: number): ThresholdOutcome {
  if (threshold.action === ThresholdAction.Ignore) return { allowed: offered, passed: false, blockUntil: null };
  if (threshold.action === ThresholdAction.Block && count.blockedUntil > now) return { allowed: 0, passed: false, blockUntil: null };
  const limit = threshold.messagesPerHour;
  const passed = count.before <= limit && count.before + offered > limit;
  if (threshold.action === ThresholdAction.Alert) return { allowed: offered, passed, blockUntil: null };
  const allowed = Math.max(0, Math.min(offered, limit - count.before));
  const longer = threshold.blockMinutes === null ? null : now + threshold.blockMinutes * 60_000;
  return { allowed, passed, blockUntil: passed && longer !== null && longer > hourWindow(now).end ? longer : null };
}
