import { formatPrice, messageAmount, priceUnits } from './price';
import { admitSpend, utcMonth } from './spend-limit';

describe('prices', () => {
  it('computes in whole 1/100,000 units, without float drift', () => {
    expect(messageAmount('0.00500', 3)).toBe('0.01500');
    expect(messageAmount('0.0045', 7)).toBe('0.03150');
    expect(priceUnits('0.1') * 3).toBe(30_000);
    expect(formatPrice(priceUnits('100.00000'))).toBe('100.00000');
  });
});

describe('utcMonth', () => {
  it('is the UTC calendar month, whatever the local zone', () => {
    expect(utcMonth(Date.parse('2026-01-31T23:59:59.999Z'))).toBe('2026-01-01');
    expect(utcMonth(Date.parse('2026-02-01T00:00:00Z'))).toBe('2026-02-01');
    expect(utcMonth(Date.parse('2026-12-15T12:00:00Z'))).toBe('2026-12-01');
  });
});

describe('admitSpend', () => {
  it('admits everything without a limit', () => {
    expect(admitSpend([500, 500], [])).toEqual({ admitted: 2, reached: [] });
  });

  it('stops at the first message that would pass the limit, and counts the limit as reached', () => {
    const result = admitSpend([400, 400, 100], [{ accountId: 'A', limit: 1_000, spent: 300 }]);
    // 300 + 400 = 700 fits; + 400 = 1,100 does not; the cheaper third is refused too.
    expect(result.admitted).toBe(1);
    expect(result.reached).toEqual([{ accountId: 'A', level: 100 }]);
  });

  it('lets the spend reach the limit exactly', () => {
    expect(admitSpend([500, 200], [{ accountId: 'A', limit: 1_000, spent: 300 }])).toEqual({
      admitted: 2,
      reached: [
        { accountId: 'A', level: 80 },
        { accountId: 'A', level: 100 },
      ],
    });
  });

  it('reports 80 % once the spend is at or past it', () => {
    expect(admitSpend([100], [{ accountId: 'A', limit: 1_000, spent: 690 }]).reached).toEqual([]);
    expect(admitSpend([100], [{ accountId: 'A', limit: 1_000, spent: 700 }]).reached).toEqual([{ accountId: 'A', level: 80 }]);
  });

  it('holds a subaccount to its own limit and to its parent’s, which covers the whole family', () => {
    const limits = [
      { accountId: 'SUB', limit: 10_000, spent: 100 },
      { accountId: 'MAIN', limit: 1_000, spent: 900 },
    ];
    const result = admitSpend([50, 50, 50], limits);
    expect(result.admitted).toBe(2);
    expect(result.reached).toEqual([
      { accountId: 'MAIN', level: 80 },
      { accountId: 'MAIN', level: 100 },
    ]);
  });

  it('refuses every charged message under a limit of 0 without an 80 % alert', () => {
    expect(admitSpend([1], [{ accountId: 'A', limit: 0, spent: 0 }])).toEqual({ admitted: 0, reached: [{ accountId: 'A', level: 100 }] });
  });
});
