// Unusual-traffic rules: what counts as an OTP-like text, which prefix a destination belongs
// to, and the three detections (rate spike, burst to a new destination, SMS pumping) made
// from the counts a traffic store keeps per account.

/** Longer texts are not one-time-password messages (they fit one GSM-7 unit). */
export const OTP_TEXT_MAX_LENGTH = 160;

/** A code standing alone: 4–8 digits, or 3+3 / 4+4 digits split by a dash or a space. */
const CODE = /(?<![\p{L}\p{N}])(?:\d{4,8}|\d{3}[- ]\d{3}|\d{4}[- ]\d{4})(?![\p{L}\p{N}])/u;
/** Words that say what the code is for, in the languages OTP traffic most often uses. */
const OTP_WORDS =
  /(?<![\p{L}\p{N}])(?:code|codes|c[oó]digo|kod|verif\p{L}*|otp|one[- ]time|pass ?code|password|passwort|pin|2fa|mfa|log ?in|sign[- ]?in|authenti\p{L}*|confirm\p{L}*|token|security|bestätigung\p{L}*)(?![\p{L}\p{N}])/iu;
/** A code with at most this much else around it is OTP-like even without a keyword ("482913", "G-482913"). */
const BARE_CODE_REST_MAX = 12;

/**
 * Whether a text looks like a one-time-password message: short, with a code of 4–8 digits,
 * and either a word naming it (code, verification, PIN, login...) or little else besides.
 */
export function isOtpLike(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > OTP_TEXT_MAX_LENGTH) return false;
  const code = CODE.exec(trimmed);
  if (!code) return false;
  if (OTP_WORDS.test(trimmed)) return true;
  const rest = (trimmed.slice(0, code.index) + trimmed.slice(code.index + code[0].length)).replace(/[\s\p{P}\p{S}]/gu, '');
  return rest.length <= BARE_CODE_REST_MAX;
}

/**
 * The prefix a destination counts under for "new destination" detection: the country and
 * area code (NPA) for a +1 number (`US:212`, `CA:416`), the country alone otherwise. Never
 * more of the number than that.
 */
export function destinationPrefix(e164: string, country: string): string {
  return e164.length === 11 && e164.startsWith('1') ? `${country}:${e164.slice(1, 4)}` : country;
}

/** Per-minute counts of one account's accepted messages, as a store keeps them. */
export interface RateCounts {
  /** Messages so far in the current minute. */
  readonly currentMinute: number;
  readonly previousMinute: number;
  /** Milliseconds elapsed in the current minute (0–59,999). */
  readonly msIntoMinute: number;
  /** Messages in the `baselineMinutes` whole minutes before the previous one. */
  readonly baseline: number;
  readonly baselineMinutes: number;
  /** Whether the account was already being observed when the baseline began; without that there is no baseline. */
  readonly baselineComplete: boolean;
}

export interface RateSpikeRule {
  /** The recent rate must be at least this many times the baseline's average per minute. */
  readonly factor: number;
  /** ...and at least this many messages per minute, so a quiet account's handful is no alert. */
  readonly minPerMinute: number;
}

export interface RateSpike {
  readonly perMinute: number;
  readonly baselinePerMinute: number;
}

/**
 * The rate over the last 60 s by the sliding-window approximation: the current minute plus the
 * previous minute weighted by the part of it still inside the window.
 */
export function recentPerMinute(counts: RateCounts): number {
  const stillInside = 1 - Math.min(Math.max(counts.msIntoMinute, 0), 60_000) / 60_000;
  return counts.currentMinute + counts.previousMinute * stillInside;
}

export function detectRateSpike(counts: RateCounts, rule: RateSpikeRule): RateSpike | null {
  if (!counts.baselineComplete || counts.baselineMinutes <= 0) return null;
  const perMinute = recentPerMinute(counts);
  const baselinePerMinute = counts.baseline / counts.baselineMinutes;
  if (perMinute < rule.minPerMinute || perMinute < rule.factor * baselinePerMinute) return null;
  return { perMinute, baselinePerMinute };
}

/** A prefix the account had not sent to in its trailing baseline, with what it sent there since. */
export interface NewPrefixCounts {
  readonly prefix: string;
  /** Messages to the prefix since `firstSeenAt`. */
  readonly messages: number;
  /** Epoch ms of the first message to it after the baseline had none. */
  readonly firstSeenAt: number;
}

export interface NewDestinationRule {
  /** Messages to one new prefix... */
  readonly minMessages: number;
  /** ...within this long after the first of them. */
  readonly windowMs: number;
}

/** The new prefix with the most messages that passes the rule, or null. */
export function detectNewDestination(prefixes: readonly NewPrefixCounts[], rule: NewDestinationRule, now: number): NewPrefixCounts | null {
  let found: NewPrefixCounts | null = null;
  for (const candidate of prefixes) {
    if (candidate.messages < rule.minMessages || now - candidate.firstSeenAt > rule.windowMs) continue;
    if (!found || candidate.messages > found.messages) found = candidate;
  }
  return found;
}

/** What an account sent in the pumping window. */
export interface PumpingCounts {
  /** Distinct destinations of OTP-like texts (an estimate: a HyperLogLog or a hash set). */
  readonly distinctOtpDestinations: number;
  readonly otpMessages: number;
  readonly messages: number;
}

export interface PumpingRule {
  readonly minDistinctDestinations: number;
  /** Share of the window's messages that are OTP-like, 0–1. */
  readonly minOtpShare: number;
}

export interface Pumping {
  readonly distinctOtpDestinations: number;
  readonly otpShare: number;
}

export function detectSmsPumping(counts: PumpingCounts, rule: PumpingRule): Pumping | null {
  if (counts.messages <= 0 || counts.distinctOtpDestinations < rule.minDistinctDestinations) return null;
  const otpShare = Math.min(counts.otpMessages / counts.messages, 1);
  return otpShare >= rule.minOtpShare ? { distinctOtpDestinations: counts.distinctOtpDestinations, otpShare } : null;
}
