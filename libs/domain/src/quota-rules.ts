// Which throughput quotas apply to a message, from the account, sender number, brand and carrier.
import { CarrierId, MessageErrorCode, MessageType } from '@sluice/contracts';

export const NumberKind = {
  LongCode: 'long_code',
  TenDlc: '10dlc',
  TollFree: 'toll_free',
  ShortCode: 'short_code',
} as const;
export type NumberKind = (typeof NumberKind)[keyof typeof NumberKind];

const SECOND = 1_000;
const MINUTE = 60_000;

/** A sliding-window quota: at most `limit` units in any window of `windowMs`. */
export interface WindowQuota {
  /** Which rule it is, for metrics and docs: `account_mps`, `number`, `brand_tpm`, `number_mms_carrier`. */
  readonly kind: string;
  /** Identifies the counter within the sender's root account (the booker prefixes its hash tag): per number, brand or (sub)account. */
  readonly scope: string;
  readonly limit: number;
  readonly windowMs: number;
}

export const DailyCapKind = {
  /** T-Mobile's per-brand daily limit (TPD). */
  TMobileTpd: 'tmobile_tpd',
  /** A sender number's own daily limit (unregistered US long codes). */
  NumberDaily: 'number_daily',
} as const;
export type DailyCapKind = (typeof DailyCapKind)[keyof typeof DailyCapKind];

/** The error a message fails with once a daily cap is reached: the 48x family, never charged. */
export const DAILY_CAP_ERROR: { readonly [K in DailyCapKind]: MessageErrorCode } = {
  [DailyCapKind.TMobileTpd]: MessageErrorCode.TMobileDailyCap,
  [DailyCapKind.NumberDaily]: MessageErrorCode.SenderDailyCap,
};

/**
 * A per-Pacific-day cap. `fail`: past it the message fails at once with its daily-cap code;
 * `defer`: it waits for the next Pacific day (kept for caps that must not fail a message).
 */
export interface DailyCap {
  readonly kind: DailyCapKind;
  readonly scope: string;
  readonly cap: number;
  readonly overflow: 'fail' | 'defer';
}

export interface SenderNumber {
  readonly number: string;
  readonly country: 'US' | 'CA';
  readonly kind: NumberKind;
  readonly verified: boolean;
  readonly brand: Brand | null;
}

export interface Brand {
  readonly id: string;
  readonly useCase: string;
  readonly vettingScore: number;
  readonly tmobileTpdOverride: number | null;
}

export interface QuotaContext {
  /** The (sub)account that sends: its MPS is its own, while a number's and a brand's quotas are shared by whoever sends. */
  readonly accountId: string;
  readonly accountSmsMps: number;
  readonly accountMmsMps: number;
  readonly type: MessageType;
  /** The sender as registered; null for a number Sluice does not know (treated as an unregistered US long code). */
  readonly sender: SenderNumber | null;
  readonly src: string;
  readonly carrier: CarrierId;
}

export type QuotaPlan =
  | { readonly ok: true; readonly windows: readonly WindowQuota[]; readonly daily: readonly DailyCap[] }
  | { readonly ok: false; readonly reason: 'mms_not_supported' };

/** MPS as a window: below 1 MPS one unit per 1/MPS seconds; otherwise ⌊MPS⌋ per second. */
export function mpsWindow(mps: number): { limit: number; windowMs: number } {
  if (mps >= 1) return { limit: Math.floor(mps), windowMs: SECOND };
  return { limit: 1, windowMs: Math.round(SECOND / mps) };
}

/** 10DLC brand throughput per minute and per carrier, from the use case and vetting score. */
export function brandTpm(useCase: string, vettingScore: number): number {
  if (vettingScore === 0) return 240;
  if (useCase === 'low_volume') return 75;
  if (vettingScore >= 75) return 4_500;
  if (vettingScore >= 50) return 2_400;
  return 240;
}

/** T-Mobile's daily cap (SMS and MMS together) for a brand. Score 0 (no secondary vetting) gets the lowest tier. */
export function tmobileTpd(brand: Brand): number {
  if (brand.tmobileTpdOverride !== null) return brand.tmobileTpdOverride;
  const score = brand.vettingScore;
  if (score >= 75) return 200_000;
  if (score >= 50) return 40_000;
  if (score >= 25) return 10_000;
  return 2_000;
}

/** Per-number throughput by country, number type and message type; null when that type is not supported. */
const NUMBER_LIMITS: Record<'US' | 'CA', Record<Exclude<NumberKind, '10dlc'>, Record<MessageType, { limit: number; windowMs: number } | null>>> = {
  US: {
    long_code: { sms: { limit: 1, windowMs: SECOND }, mms: { limit: 1, windowMs: SECOND } },
    toll_free: { sms: { limit: 25, windowMs: SECOND }, mms: { limit: 2, windowMs: SECOND } },
    short_code: { sms: { limit: 100, windowMs: SECOND }, mms: { limit: 100, windowMs: SECOND } },
  },
  CA: {
    long_code: { sms: { limit: 15, windowMs: MINUTE }, mms: { limit: 15, windowMs: MINUTE } },
    toll_free: { sms: { limit: 25, windowMs: SECOND }, mms: { limit: 2, windowMs: SECOND } },
    short_code: { sms: { limit: 10, windowMs: SECOND }, mms: null },
  },
};

const UNREGISTERED_LONG_CODE_DAILY = 2_000;
const TEN_DLC_MMS_PER_NUMBER_PER_CARRIER = 50;

export function resolveQuotas(ctx: QuotaContext): QuotaPlan {
  const mps = mpsWindow(ctx.type === MessageType.Mms ? ctx.accountMmsMps : ctx.accountSmsMps);
  const windows: WindowQuota[] = [{ kind: 'account_mps', scope: `mps:${ctx.accountId}:${ctx.type}`, ...mps }];
  const daily: DailyCap[] = [];
  const sender = ctx.sender;
  const src = sender?.number ?? ctx.src;

  const tenDlcBrand = sender?.kind === NumberKind.TenDlc && sender.country === 'US' ? sender.brand : null;
  if (tenDlcBrand) {
    // Smaller carriers have not published figures; they are held to the same TPM, counted apart.
    const carrier = ctx.carrier;
    if (ctx.type === MessageType.Sms) {
      windows.push({ kind: 'brand_tpm', scope: `tpm:${tenDlcBrand.id}:${carrier}`, limit: brandTpm(tenDlcBrand.useCase, tenDlcBrand.vettingScore), windowMs: MINUTE });
    } else {
      windows.push({ kind: 'number_mms_carrier', scope: `mms:${src}:${carrier}`, limit: TEN_DLC_MMS_PER_NUMBER_PER_CARRIER, windowMs: MINUTE });
    }
    if (carrier === CarrierId.TMobile) daily.push({ kind: DailyCapKind.TMobileTpd, scope: `tpd:${tenDlcBrand.id}`, cap: tmobileTpd(tenDlcBrand), overflow: 'fail' });
    return { ok: true, windows, daily };
  }

  // Unknown senders, 10DLC numbers without a brand and unverified toll-free numbers get unregistered long-code limits.
  const country = sender?.country ?? 'US';
  const kind =
    !sender || sender.kind === NumberKind.TenDlc || (sender.kind === NumberKind.TollFree && !sender.verified) ? NumberKind.LongCode : sender.kind;
  const limit = NUMBER_LIMITS[country][kind][ctx.type];
  if (!limit) return { ok: false, reason: 'mms_not_supported' };
  windows.push({ kind: 'number', scope: `num:${src}:${ctx.type}`, ...limit });
  if (country === 'US' && kind === NumberKind.LongCode) {
    daily.push({ kind: DailyCapKind.NumberDaily, scope: `daily:${src}`, cap: UNREGISTERED_LONG_CODE_DAILY, overflow: 'fail' });
  }
  return { ok: true, windows, daily };
}
