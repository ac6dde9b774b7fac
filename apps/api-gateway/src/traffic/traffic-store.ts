// What the unusual-traffic detector keeps per account between sends, and the in-memory
// store used when the gateway has no Redis (each replica then sees only its own traffic).
import type { NewPrefixCounts, PumpingCounts, RateCounts } from '@sluice/domain';

/** What one account sent since the last flush. */
export interface AccountTraffic {
  readonly accountId: string;
  readonly messages: number;
  readonly otpMessages: number;
  /** Messages per destination prefix (`US:212`, `GB`). */
  readonly prefixes: ReadonlyMap<string, number>;
  /** Destinations of the OTP-like messages, as 20-bit hashes (never the numbers). */
  readonly otpDestinations: readonly number[];
}

/** The account's counts after the flush was added, on the store's clock. */
export interface AccountFigures {
  readonly accountId: string;
  readonly now: number;
  readonly rate: RateCounts;
  /** Prefixes still in their first `newDestinationWindowMs` after the account began sending there. */
  readonly newPrefixes: readonly NewPrefixCounts[];
  /** Null when this flush had no OTP-like message (pumping is only judged when there is some). */
  readonly pumping: PumpingCounts | null;
}

export interface TrafficWindows {
  readonly baselineMinutes: number;
  readonly pumpingMinutes: number;
  readonly newDestinationWindowMs: number;
  /** A prefix not sent to for this long is new again. */
  readonly destinationMemoryMs: number;
}

export interface TrafficStore {
  record(batch: readonly AccountTraffic[]): Promise<AccountFigures[]>;
  /** True for the single caller that may raise this account's alert of this kind now. */
  claimCooldown(accountId: string, kind: string, cooldownMs: number): Promise<boolean>;
  /** Gives a claim back (the alert could not be published). */
  releaseCooldown(accountId: string, kind: string): Promise<void>;
  close(): Promise<void>;
}

/** 20 bits of FNV-1a: about ten thousand NANP numbers share each value, so no number can be read back from it. */
export function destinationHash(e164: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < e164.length; i += 1) {
    hash ^= e164.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) & 0xfffff;
}

const MINUTE_MS = 60_000;
/** Distinct hashes kept per minute per account; a pumping verdict needs far fewer. */
const DISTINCT_CAP_PER_MINUTE = 20_000;
const SWEEP_INTERVAL_MS = 60_000;

interface PrefixState {
  first: number;
  last: number;
  /** Messages since `first` while the prefix is new; -1 once it is known. */
  count: number;
}

interface AccountState {
  since: number;
  lastSeen: number;
  minutes: Map<number, { messages: number; otp: number }>;
  prefixes: Map<string, PrefixState>;
  otpByMinute: Map<number, Set<number>>;
}

/**
 * The same bookkeeping as the Redis store, in this process. Memory is bounded: minutes and
 * OTP hash sets older than the windows are dropped, and an account idle for longer than
 * the destination memory is forgotten entirely.
 */
export class MemoryTrafficStore implements TrafficStore {
  private readonly accounts = new Map<string, AccountState>();
  private readonly cooldowns = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly windows: TrafficWindows,
    private readonly clock: () => number = Date.now,
  ) {}

  async record(batch: readonly AccountTraffic[]): Promise<AccountFigures[]> {
    const now = this.clock();
    this.sweep(now);
    return batch.map((traffic) => this.add(traffic, now));
  }

  async claimCooldown(accountId: string, kind: string, cooldownMs: number): Promise<boolean> {
    const key = `${accountId}:${kind}`;
    const now = this.clock();
    if ((this.cooldowns.get(key) ?? 0) > now) return false;
    this.cooldowns.set(key, now + cooldownMs);
    return true;
  }

  async releaseCooldown(accountId: string, kind: string): Promise<void> {
    this.cooldowns.delete(`${accountId}:${kind}`);
  }

  async close(): Promise<void> {
    this.accounts.clear();
  }

  private add(traffic: AccountTraffic, now: number): AccountFigures {
    const { baselineMinutes, pumpingMinutes, newDestinationWindowMs, destinationMemoryMs } = this.windows;
    const minute = Math.floor(now / MINUTE_MS);
    let state = this.accounts.get(traffic.accountId);
    if (!state || state.lastSeen < now - destinationMemoryMs) {
      state = { since: now, lastSeen: now, minutes: new Map(), prefixes: new Map(), otpByMinute: new Map() };
      this.accounts.set(traffic.accountId, state);
    }
    state.lastSeen = now;

    const bucket = state.minutes.get(minute) ?? { messages: 0, otp: 0 };
    bucket.messages += traffic.messages;
    bucket.otp += traffic.otpMessages;
    state.minutes.set(minute, bucket);
    const keep = Math.max(baselineMinutes + 2, pumpingMinutes);
    for (const m of state.minutes.keys()) if (m <= minute - keep) state.minutes.delete(m);

    let baseline = 0;
    for (let m = minute - 1 - baselineMinutes; m <= minute - 2; m += 1) baseline += state.minutes.get(m)?.messages ?? 0;
    const baselineComplete = state.since <= (minute - 1 - baselineMinutes) * MINUTE_MS;
    const rate = {
      currentMinute: bucket.messages,
      previousMinute: state.minutes.get(minute - 1)?.messages ?? 0,
      msIntoMinute: now - minute * MINUTE_MS,
      baseline,
      baselineMinutes,
      baselineComplete,
    };

    const newPrefixes = [];
    for (const [prefix, messages] of traffic.prefixes) {
      let known = state.prefixes.get(prefix);
      if (known && known.last < now - destinationMemoryMs) known = undefined;
      if (!known) {
        known = { first: now, last: now, count: baselineComplete ? messages : -1 };
      } else {
        known.last = now;
        if (known.count >= 0) known.count = now - known.first <= newDestinationWindowMs ? known.count + messages : -1;
      }
      state.prefixes.set(prefix, known);
      if (known.count >= 0) newPrefixes.push({ prefix, messages: known.count, firstSeenAt: known.first });
    }

    let pumping: PumpingCounts | null = null;
    if (traffic.otpMessages > 0) {
      const hashes = state.otpByMinute.get(minute) ?? new Set<number>();
      for (const hash of traffic.otpDestinations) {
        if (hashes.size >= DISTINCT_CAP_PER_MINUTE) break;
        hashes.add(hash);
      }
      state.otpByMinute.set(minute, hashes);
      for (const m of state.otpByMinute.keys()) if (m <= minute - pumpingMinutes) state.otpByMinute.delete(m);
      const distinct = new Set<number>();
      for (const set of state.otpByMinute.values()) for (const hash of set) distinct.add(hash);
      let messages = 0;
      let otpMessages = 0;
      for (let m = minute - pumpingMinutes + 1; m <= minute; m += 1) {
        messages += state.minutes.get(m)?.messages ?? 0;
        otpMessages += state.minutes.get(m)?.otp ?? 0;
      }
      pumping = { distinctOtpDestinations: distinct.size, otpMessages, messages };
    }
    return { accountId: traffic.accountId, now, rate, newPrefixes, pumping };
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [accountId, state] of this.accounts) if (state.lastSeen < now - this.windows.destinationMemoryMs) this.accounts.delete(accountId);
    for (const [key, until] of this.cooldowns) if (until <= now) this.cooldowns.delete(key);
  }
}
