import { brandTpmLimit, expectedQuotas, mpsQuota, QuotaAccount, tmobileDailyCap } from './expected-quotas';

const number = (n: string, type: 'long_code' | '10dlc' | 'toll_free' | 'short_code', country: 'US' | 'CA' = 'US', verified = true, brandId: string | null = null) => ({
  number: n,
  type,
  country,
  verified,
  brandId,
});

describe('expected quotas (the product tables, written independently of the governor)', () => {
  it('turns MPS into windows', () => {
    expect(mpsQuota(5)).toEqual({ limit: 5, windowMs: 1_000 });
    expect(mpsQuota(0.25)).toEqual({ limit: 1, windowMs: 4_000 });
  });

  it('knows the 10DLC brand tiers', () => {
    expect([brandTpmLimit('mixed', 80), brandTpmLimit('mixed', 60), brandTpmLimit('mixed', 10), brandTpmLimit('low_volume', 90), brandTpmLimit('mixed', 0)]).toEqual([4_500, 2_400, 240, 75, 240]);
    const brand = { brandId: 'b', useCase: 'mixed', vettingScore: 30, tmobileTpdOverride: null };
    expect([tmobileDailyCap(brand), tmobileDailyCap({ ...brand, vettingScore: 80 }), tmobileDailyCap({ ...brand, tmobileTpdOverride: 7 })]).toEqual([10_000, 200_000, 7]);
  });

  it('lists every quota of an account: MPS, each number, brand TPM per carrier and the T-Mobile TPD', () => {
    const account: QuotaAccount = {
      authId: 'MA1',
      group: 'g',
      smsMps: 10,
      numbers: [
        number('14155550100', 'long_code'),
        number('18005550100', 'toll_free', 'US', false),
        number('16135550100', 'long_code', 'CA'),
        number('123456', 'short_code'),
        number('13105550100', '10dlc', 'US', true, 'brand-1'),
      ],
      brand: { brandId: 'brand-1', useCase: 'mixed', vettingScore: 60, tmobileTpdOverride: null },
    };
    const quotas = expectedQuotas(account, ['att', 'tmobile']).map((q) => [q.id, q.limit, q.windowMs, q.sources.length, q.carrier]);
    expect(quotas).toEqual([
      ['mps:MA1', 10, 1_000, 5, null],
      ['num:14155550100', 1, 1_000, 1, null],
      ['daily:14155550100', 2_000, 0, 1, null],
      // An unverified toll-free number is held to unregistered long-code limits.
      ['num:18005550100', 1, 1_000, 1, null],
      ['daily:18005550100', 2_000, 0, 1, null],
      ['num:16135550100', 15, 60_000, 1, null],
      ['num:123456', 100, 1_000, 1, null],
      ['tpm:brand-1:att', 2_400, 60_000, 1, 'att'],
      ['tpm:brand-1:tmobile', 2_400, 60_000, 1, 'tmobile'],
      ['tpd:brand-1', 40_000, 0, 1, 'tmobile'],
    ]);
  });
});
