// What a carrier may see, per quota, written from the product's rule tables (DESIGN §2) rather
// than taken from the platform's own code, so that the harness is an independent witness.
import type { CarrierKey, NumberType } from '../scenario/scenario';

export interface QuotaNumber {
  readonly number: string;
  readonly type: NumberType;
  readonly country: 'US' | 'CA';
  readonly verified: boolean;
  readonly brandId: string | null;
}

export interface QuotaBrand {
  readonly brandId: string;
  readonly useCase: string;
  readonly vettingScore: number;
  readonly tmobileTpdOverride: number | null;
}

export interface QuotaAccount {
  readonly authId: string;
  readonly group: string;
  readonly smsMps: number;
  readonly numbers: readonly QuotaNumber[];
  readonly brand: QuotaBrand | null;
}

export type QuotaKind = 'account_mps' | 'number' | 'brand_tpm' | 'tmobile_tpd' | 'number_daily';

/** At most `limit` units in any window of `windowMs` (or per Pacific day for the daily kinds). */
export interface ExpectedQuota {
  readonly id: string;
  readonly kind: QuotaKind;
  readonly group: string;
  /** For people: "account MA… 5/s", "brand … T-Mobile 4,500/min". */
  readonly label: string;
  readonly limit: number;
  /** 0 for a daily cap. */
  readonly windowMs: number;
  /** Submissions from these sources count... */
  readonly sources: readonly string[];
  /** ...to this carrier only, when set. */
  readonly carrier: CarrierKey | null;
}

const SECOND = 1_000;
const MINUTE = 60_000;

export function brandTpmLimit(useCase: string, vettingScore: number): number {
  if (vettingScore === 0) return 240;
  if (useCase === 'low_volume') return 75;
  if (vettingScore >= 75) return 4_500;
  if (vettingScore >= 50) return 2_400;
  return 240;
}

export function tmobileDailyCap(brand: QuotaBrand): number {
  if (brand.tmobileTpdOverride !== null) return brand.tmobileTpdOverride;
  if (brand.vettingScore >= 75) return 200_000;
  if (brand.vettingScore >= 50) return 40_000;
  if (brand.vettingScore >= 25) return 10_000;
  return 2_000;
}

/** SMS throughput of a sender number that is not a branded 10DLC number. */
function numberLimit(n: QuotaNumber): { limit: number; windowMs: number; daily: number | null } {
  // Unverified toll-free and brandless 10DLC numbers are held to unregistered long-code limits.
  const type = n.type === '10dlc' || (n.type === 'toll_free' && !n.verified) ? 'long_code' : n.type;
  if (n.country === 'CA') {
    if (type === 'long_code') return { limit: 15, windowMs: MINUTE, daily: null };
    if (type === 'toll_free') return { limit: 25, windowMs: SECOND, daily: null };
    return { limit: 10, windowMs: SECOND, daily: null };
  }
  if (type === 'long_code') return { limit: 1, windowMs: SECOND, daily: 2_000 };
  if (type === 'toll_free') return { limit: 25, windowMs: SECOND, daily: null };
  return { limit: 100, windowMs: SECOND, daily: null };
}

/** MPS N: N in any second; below 1, one per 1/N seconds. */
export function mpsQuota(mps: number): { limit: number; windowMs: number } {
  return mps >= 1 ? { limit: Math.floor(mps), windowMs: SECOND } : { limit: 1, windowMs: Math.round(SECOND / mps) };
}

function rate(limit: number, windowMs: number): string {
  const unit = windowMs === SECOND ? '/s' : windowMs === MINUTE ? '/min' : ` per ${windowMs} ms`;
  return `${limit.toLocaleString('en-US')}${unit}`;
}

/** Every SMS quota that applies to the account's traffic to the given carriers. */
export function expectedQuotas(account: QuotaAccount, carriers: readonly CarrierKey[]): ExpectedQuota[] {
  const quotas: ExpectedQuota[] = [];
  const mps = mpsQuota(account.smsMps);
  quotas.push({
    id: `mps:${account.authId}`,
    kind: 'account_mps',
    group: account.group,
    label: `account ${account.authId} MPS ${rate(mps.limit, mps.windowMs)}`,
    ...mps,
    sources: account.numbers.map((n) => n.number),
    carrier: null,
  });
  const branded = account.numbers.filter((n) => n.type === '10dlc' && n.country === 'US' && n.brandId !== null);
  for (const n of account.numbers.filter((x) => !branded.includes(x))) {
    const { limit, windowMs, daily } = numberLimit(n);
    quotas.push({ id: `num:${n.number}`, kind: 'number', group: account.group, label: `${n.country} ${n.type} ${n.number} ${rate(limit, windowMs)}`, limit, windowMs, sources: [n.number], carrier: null });
    if (daily !== null) {
      quotas.push({ id: `daily:${n.number}`, kind: 'number_daily', group: account.group, label: `${n.number} ${daily.toLocaleString('en-US')}/day`, limit: daily, windowMs: 0, sources: [n.number], carrier: null });
    }
  }
  const brand = account.brand;
  if (brand && branded.length > 0) {
    const sources = branded.map((n) => n.number);
    const tpm = brandTpmLimit(brand.useCase, brand.vettingScore);
    for (const carrier of carriers) {
      quotas.push({ id: `tpm:${brand.brandId}:${carrier}`, kind: 'brand_tpm', group: account.group, label: `brand ${brand.brandId.slice(0, 8)} → ${carrier} TPM ${rate(tpm, MINUTE)}`, limit: tpm, windowMs: MINUTE, sources, carrier });
    }
    if (carriers.includes('tmobile')) {
      const cap = tmobileDailyCap(brand);
      quotas.push({ id: `tpd:${brand.brandId}`, kind: 'tmobile_tpd', group: account.group, label: `brand ${brand.brandId.slice(0, 8)} T-Mobile TPD ${cap.toLocaleString('en-US')}/day`, limit: cap, windowMs: 0, sources, carrier: 'tmobile' });
    }
  }
  return quotas;
}
