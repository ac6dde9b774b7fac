import { CarrierId, MessageErrorCode, MessageType } from '@sluice/contracts';
import { Brand, brandTpm, DAILY_CAP_ERROR, NumberKind, QuotaContext, resolveQuotas, SenderNumber, tmobileTpd } from './quota-rules';

const brand = (vettingScore: number, useCase = 'mixed', tmobileTpdOverride: number | null = null): Brand => ({ id: 'b1', useCase, vettingScore, tmobileTpdOverride });
const number = (kind: NumberKind, country: 'US' | 'CA' = 'US', extra: Partial<SenderNumber> = {}): SenderNumber => ({
  number: '14155550100',
  country,
  kind,
  verified: true,
  brand: null,
  ...extra,
});
const ctx = (extra: Partial<QuotaContext>): QuotaContext => ({
  accountId: 'MA0000000000000000A1',
  accountSmsMps: 5,
  accountMmsMps: 0.25,
  type: MessageType.Sms,
  sender: null,
  src: '14155550100',
  carrier: CarrierId.Att,
  ...extra,
});

function plan(extra: Partial<QuotaContext>) {
  const result = resolveQuotas(ctx(extra));
  if (!result.ok) throw new Error(result.reason);
  return result;
}

describe('brand TPM and T-Mobile TPD tables', () => {
  it.each([
    ['mixed', 100, 4_500],
    ['marketing', 75, 4_500],
    ['dedicated', 74, 2_400],
    ['mixed', 50, 2_400],
    ['mixed', 49, 240],
    ['mixed', 1, 240],
    ['low_volume', 90, 75],
    ['low_volume', 1, 75],
    ['mixed', 0, 240],
  ])('%s with score %i gets %i TPM', (useCase, score, tpm) => {
    expect(brandTpm(useCase, score)).toBe(tpm);
  });

  it.each([
    [100, 200_000],
    [75, 200_000],
    [74, 40_000],
    [50, 40_000],
    [49, 10_000],
    [25, 10_000],
    [24, 2_000],
    [1, 2_000],
  ])('score %i gets a T-Mobile TPD of %i', (score, tpd) => {
    expect(tmobileTpd(brand(score))).toBe(tpd);
  });

  it('honours a TPD override from a special business review', () => {
    expect(tmobileTpd(brand(30, 'mixed', 75_000))).toBe(75_000);
  });
});

describe('resolveQuotas', () => {
  it('always applies the account MPS for the message type, counted per (sub)account', () => {
    expect(plan({}).windows[0]).toEqual({ kind: 'account_mps', scope: 'mps:MA0000000000000000A1:sms', limit: 5, windowMs: 1_000 });
    expect(plan({ type: MessageType.Mms }).windows[0]).toEqual({ kind: 'account_mps', scope: 'mps:MA0000000000000000A1:mms', limit: 1, windowMs: 4_000 });
    expect(plan({ accountId: 'SA0000000000000000B2' }).windows[0]).toMatchObject({ scope: 'mps:SA0000000000000000B2:sms' });
  });

  it('keys number and brand quotas by the number and the brand, whichever account sends', () => {
    const sender = number(NumberKind.TollFree);
    const parent = plan({ sender });
    const sub = plan({ sender, accountId: 'SA0000000000000000B2' });
    expect(sub.windows[1]).toEqual(parent.windows[1]);
    expect(parent.windows[1]).toMatchObject({ kind: 'number', scope: 'num:14155550100:sms' });
    const branded = number(NumberKind.TenDlc, 'US', { brand: brand(80) });
    const parentBranded = plan({ sender: branded, carrier: CarrierId.TMobile });
    const subBranded = plan({ sender: branded, accountId: 'SA0000000000000000B2', carrier: CarrierId.TMobile });
    expect(subBranded.windows.slice(1)).toEqual(parentBranded.windows.slice(1));
    expect(subBranded.daily).toEqual(parentBranded.daily);
  });

  it('treats an unknown sender as an unregistered US long code: 1/s and 2,000 a day, failing past the day\'s cap', () => {
    const p = plan({});
    expect(p.windows[1]).toMatchObject({ kind: 'number', limit: 1, windowMs: 1_000 });
    expect(p.daily).toEqual([{ kind: 'number_daily', scope: 'daily:14155550100', cap: 2_000, overflow: 'fail' }]);
  });

  it('reports each daily cap with its own code of the 48x family, never Plivo\'s 450 or the expiry code', () => {
    expect(DAILY_CAP_ERROR).toEqual({ tmobile_tpd: MessageErrorCode.TMobileDailyCap, number_daily: MessageErrorCode.SenderDailyCap });
    expect(Object.values(DAILY_CAP_ERROR)).toEqual(['480', '481']);
  });

  it.each([
    [NumberKind.TollFree, 'US', MessageType.Sms, 25, 1_000],
    [NumberKind.TollFree, 'US', MessageType.Mms, 2, 1_000],
    [NumberKind.ShortCode, 'US', MessageType.Sms, 100, 1_000],
    [NumberKind.ShortCode, 'US', MessageType.Mms, 100, 1_000],
    [NumberKind.LongCode, 'CA', MessageType.Sms, 15, 60_000],
    [NumberKind.LongCode, 'CA', MessageType.Mms, 15, 60_000],
    [NumberKind.TollFree, 'CA', MessageType.Sms, 25, 1_000],
    [NumberKind.TollFree, 'CA', MessageType.Mms, 2, 1_000],
    [NumberKind.ShortCode, 'CA', MessageType.Sms, 10, 1_000],
  ] as const)('%s in %s sends %s at %i per %i ms', (kind, country, type, limit, windowMs) => {
    const p = plan({ type, sender: number(kind, country) });
    expect(p.windows[1]).toMatchObject({ kind: 'number', limit, windowMs });
    expect(p.daily).toEqual([]);
  });

  it('refuses MMS from a Canadian short code', () => {
    expect(resolveQuotas(ctx({ type: MessageType.Mms, sender: number(NumberKind.ShortCode, 'CA') }))).toEqual({ ok: false, reason: 'mms_not_supported' });
  });

  it('holds an unverified toll-free number to long-code limits', () => {
    expect(plan({ sender: number(NumberKind.TollFree, 'US', { verified: false }) }).windows[1]).toMatchObject({ limit: 1, windowMs: 1_000 });
  });

  it('puts 10DLC SMS under the brand TPM per carrier, and T-Mobile under the brand TPD', () => {
    const sender = number(NumberKind.TenDlc, 'US', { brand: brand(80) });
    const att = plan({ sender, carrier: CarrierId.Att });
    expect(att.windows[1]).toEqual({ kind: 'brand_tpm', scope: 'tpm:b1:att', limit: 4_500, windowMs: 60_000 });
    expect(att.daily).toEqual([]);
    const tmo = plan({ sender, carrier: CarrierId.TMobile });
    expect(tmo.windows[1]).toMatchObject({ scope: 'tpm:b1:tmobile' });
    expect(tmo.daily).toEqual([{ kind: 'tmobile_tpd', scope: 'tpd:b1', cap: 200_000, overflow: 'fail' }]);
  });

  it('puts 10DLC MMS under 50 per minute per number per carrier', () => {
    const p = plan({ type: MessageType.Mms, sender: number(NumberKind.TenDlc, 'US', { brand: brand(80) }), carrier: CarrierId.Verizon });
    expect(p.windows[1]).toEqual({ kind: 'number_mms_carrier', scope: 'mms:14155550100:verizon', limit: 50, windowMs: 60_000 });
  });
});
