import {
  destinationPrefix,
  detectNewDestination,
  detectRateSpike,
  detectSmsPumping,
  isOtpLike,
  OTP_TEXT_MAX_LENGTH,
  RateCounts,
  recentPerMinute,
} from './traffic-anomaly';

describe('isOtpLike', () => {
  it.each([
    'Your verification code is 482913',
    'G-482913 is your Google verification code.',
    '482913',
    '482-913',
    'Code: 4829',
    'Your login code: 4829 1234',
    'Tu código de verificación es 48291',
    'Use 90210377 to sign in. Do not share it.',
    'Your PIN is 7731',
    'Acme: 482913 is your one-time passcode',
    'Ihr Bestätigungscode lautet 482913',
    '  998877  ',
  ])('OTP-like: %s', (text) => {
    expect(isOtpLike(text)).toBe(true);
  });

  it.each([
    'Hello, see you tomorrow',
    'Your order has shipped and will arrive on Tuesday',
    'Your balance is 1500 dollars as of today',
    'Call 18005551234 for a verification',
    'Your code is 123',
    'Verification code 123456789',
    '',
    `Your verification code is 482913. ${'x'.repeat(OTP_TEXT_MAX_LENGTH)}`,
    'Order A48291300 is ready for pickup',
  ])('not OTP-like: %s', (text) => {
    expect(isOtpLike(text)).toBe(false);
  });
});

describe('destinationPrefix', () => {
  it('keeps country and area code of a +1 number, nothing more', () => {
    expect(destinationPrefix('12125550123', 'US')).toBe('US:212');
    expect(destinationPrefix('14165550123', 'CA')).toBe('CA:416');
  });

  it('is the country alone outside the NANP', () => {
    expect(destinationPrefix('447700900123', 'GB')).toBe('GB');
  });
});

const counts = (extra: Partial<RateCounts>): RateCounts => ({
  currentMinute: 0,
  previousMinute: 0,
  msIntoMinute: 0,
  baseline: 0,
  baselineMinutes: 60,
  baselineComplete: true,
  ...extra,
});

describe('detectRateSpike', () => {
  const rule = { factor: 5, minPerMinute: 60 };

  it('weights the previous minute by the part of it still inside the last 60 s', () => {
    expect(recentPerMinute(counts({ currentMinute: 10, previousMinute: 100, msIntoMinute: 15_000 }))).toBe(85);
    expect(recentPerMinute(counts({ currentMinute: 10, previousMinute: 100, msIntoMinute: 59_999 }))).toBeCloseTo(10, 1);
  });

  it('alerts at k times the baseline when above the minimum rate', () => {
    // Baseline 20/min over 60 min; 100/min is exactly 5×.
    const spike = detectRateSpike(counts({ currentMinute: 100, baseline: 1_200 }), rule);
    expect(spike).toEqual({ perMinute: 100, baselinePerMinute: 20 });
  });

  it('does not alert just below k times the baseline', () => {
    expect(detectRateSpike(counts({ currentMinute: 99, baseline: 1_200 }), rule)).toBeNull();
  });

  it('does not alert for a quiet account, however large the ratio', () => {
    expect(detectRateSpike(counts({ currentMinute: 3, baseline: 0 }), rule)).toBeNull();
    expect(detectRateSpike(counts({ currentMinute: 59, baseline: 0 }), rule)).toBeNull();
  });

  it('alerts for an account that was silent through its whole baseline once it passes the minimum', () => {
    expect(detectRateSpike(counts({ currentMinute: 60, baseline: 0 }), rule)).toEqual({ perMinute: 60, baselinePerMinute: 0 });
  });

  it('says nothing before the account has a complete baseline', () => {
    expect(detectRateSpike(counts({ currentMinute: 10_000, baselineComplete: false }), rule)).toBeNull();
  });
});

describe('detectNewDestination', () => {
  const rule = { minMessages: 20, windowMs: 300_000 };
  const now = 1_000_000;

  it('picks the new prefix with the most messages that passes the rule', () => {
    const found = detectNewDestination(
      [
        { prefix: 'US:212', messages: 25, firstSeenAt: now - 1_000 },
        { prefix: 'US:646', messages: 40, firstSeenAt: now - 2_000 },
        { prefix: 'CA:416', messages: 5, firstSeenAt: now - 1_000 },
      ],
      rule,
      now,
    );
    expect(found?.prefix).toBe('US:646');
  });

  it('ignores too few messages and bursts that began longer ago than the window', () => {
    expect(detectNewDestination([{ prefix: 'US:212', messages: 19, firstSeenAt: now }], rule, now)).toBeNull();
    expect(detectNewDestination([{ prefix: 'US:212', messages: 500, firstSeenAt: now - 300_001 }], rule, now)).toBeNull();
    expect(detectNewDestination([], rule, now)).toBeNull();
  });
});

describe('detectSmsPumping', () => {
  const rule = { minDistinctDestinations: 50, minOtpShare: 0.8 };

  it('alerts on many distinct destinations of mostly OTP-like texts', () => {
    expect(detectSmsPumping({ distinctOtpDestinations: 120, otpMessages: 120, messages: 125 }, rule)).toEqual({
      distinctOtpDestinations: 120,
      otpShare: 0.96,
    });
  });

  it('does not alert below the distinct-destination threshold', () => {
    expect(detectSmsPumping({ distinctOtpDestinations: 49, otpMessages: 49, messages: 49 }, rule)).toBeNull();
  });

  it('does not alert when OTP-like texts are a small part of the traffic', () => {
    expect(detectSmsPumping({ distinctOtpDestinations: 60, otpMessages: 60, messages: 1_000 }, rule)).toBeNull();
  });

  it('does not alert without traffic, and caps the share at 1 when estimates disagree', () => {
    expect(detectSmsPumping({ distinctOtpDestinations: 60, otpMessages: 60, messages: 0 }, rule)).toBeNull();
    expect(detectSmsPumping({ distinctOtpDestinations: 60, otpMessages: 70, messages: 65 }, rule)?.otpShare).toBe(1);
  });
});
