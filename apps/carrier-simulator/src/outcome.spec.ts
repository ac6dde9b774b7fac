import { jittered, pickError, pickReceipt, unitDraw } from './outcome';

describe('seeded outcomes', () => {
  it('draws the same number for the same seed, carrier, ordinal and purpose, and another otherwise', () => {
    const a = unitDraw('seed', 'att', 1, 'error');
    expect(unitDraw('seed', 'att', 1, 'error')).toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(1);
    const others = [
      unitDraw('other', 'att', 1, 'error'),
      unitDraw('seed', 'tmobile', 1, 'error'),
      unitDraw('seed', 'att', 2, 'error'),
      unitDraw('seed', 'att', 1, 'receipt'),
    ];
    for (const other of others) expect(other).not.toBe(a);
  });

  it('spreads draws evenly enough that fractions hold', () => {
    const draws = Array.from({ length: 10_000 }, (_, i) => unitDraw('spread', 'verizon', i + 1, 'error'));
    const errors = [
      { status: 'ESME_RSYSERR', fraction: 0.1 },
      { status: 'NO_RESPONSE', fraction: 0.05 },
    ];
    const picked = draws.map((draw) => pickError(errors, draw)?.status ?? 'accepted');
    const share = (status: string) => picked.filter((p) => p === status).length / draws.length;
    expect(share('ESME_RSYSERR')).toBeGreaterThan(0.09);
    expect(share('ESME_RSYSERR')).toBeLessThan(0.11);
    expect(share('NO_RESPONSE')).toBeGreaterThan(0.04);
    expect(share('NO_RESPONSE')).toBeLessThan(0.06);
  });

  it('takes the shares in order over [0, 1), the rest accepted or delivered', () => {
    const errors = [
      { status: 'ESME_RINVDSTADR', fraction: 0.2 },
      { status: 'ESME_RSYSERR', fraction: 0.3 },
    ];
    expect(pickError(errors, 0)?.status).toBe('ESME_RINVDSTADR');
    expect(pickError(errors, 0.1999)?.status).toBe('ESME_RINVDSTADR');
    expect(pickError(errors, 0.2)?.status).toBe('ESME_RSYSERR');
    expect(pickError(errors, 0.5)).toBeUndefined();
    expect(pickError([], 0)).toBeUndefined();
    expect(pickError([{ status: 'ESME_RSYSERR', fraction: 1 }], 0.999999)?.status).toBe('ESME_RSYSERR');

    const outcomes = [{ stat: 'EXPIRED' as const, err: '004', fraction: 0.5 }];
    expect(pickReceipt(outcomes, 0.25)).toEqual({ stat: 'EXPIRED', err: '004' });
    expect(pickReceipt(outcomes, 0.75)).toEqual({ stat: 'DELIVRD', err: '000' });
  });

  it('jitters within [fixed, fixed + jitter]', () => {
    expect(jittered(10, 0, 0.99)).toBe(10);
    expect(jittered(10, 5, 0)).toBe(10);
    expect(jittered(10, 5, 0.999999)).toBe(15);
    const values = new Set(Array.from({ length: 1_000 }, (_, i) => jittered(0, 3, unitDraw('j', 'att', i, 'latency'))));
    expect([...values].sort()).toEqual([0, 1, 2, 3]);
  });
});
