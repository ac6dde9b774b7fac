import { OpsAlertKind } from '@sluice/contracts';
import { TrafficDetector, TrafficRules } from './traffic-detector';
import { AccountTraffic, destinationHash, MemoryTrafficStore } from './traffic-store';

const MINUTE = 60_000;
const rules: TrafficRules = {
  windows: { baselineMinutes: 60, pumpingMinutes: 10, newDestinationWindowMs: 5 * MINUTE, destinationMemoryMs: 24 * 60 * MINUTE },
  rateSpike: { factor: 5, minPerMinute: 60 },
  newDestination: { minMessages: 20, windowMs: 5 * MINUTE },
  pumping: { minDistinctDestinations: 50, minOtpShare: 0.8 },
  cooldownMs: 60 * MINUTE,
};

/** `count` messages to +1 212 numbers; OTP-like ones to distinct destinations. */
function traffic(accountId: string, count: number, options: { prefix?: string; otp?: boolean; firstNumber?: number } = {}): AccountTraffic {
  const first = options.firstNumber ?? 0;
  return {
    accountId,
    messages: count,
    otpMessages: options.otp ? count : 0,
    prefixes: new Map([[options.prefix ?? 'US:212', count]]),
    otpDestinations: options.otp ? Array.from({ length: count }, (_, i) => destinationHash(`1212555${String(first + i).padStart(4, '0')}`)) : [],
  };
}

describe('unusual-traffic detection (in-memory store, as one replica without Redis)', () => {
  let now: number;
  let detector: TrafficDetector;

  beforeEach(() => {
    now = Date.UTC(2025, 10, 28, 10, 0, 0);
    detector = new TrafficDetector(new MemoryTrafficStore(rules.windows, () => now), rules);
  });

  /** One message a minute for the whole baseline, so the account has a history to compare with. */
  async function warmUp(accountId: string, prefix = 'US:212'): Promise<void> {
    for (let minute = 0; minute < 62; minute += 1) {
      expect(await detector.detect([traffic(accountId, 1, { prefix })])).toEqual([]);
      now += MINUTE;
    }
  }

  it('raises nothing for a quiet account', async () => {
    await warmUp('MAQUIET0000000000000');
    expect(await detector.detect([traffic('MAQUIET0000000000000', 3, { otp: true })])).toEqual([]);
  });

  it('raises a rate spike at k times the baseline, once per cooldown', async () => {
    const account = 'MASPIKE0000000000000';
    await warmUp(account);
    // Half-way through a minute: the previous minute's one message still counts for half.
    now += 30_000;
    expect(await detector.detect([traffic(account, 59)])).toEqual([]);
    const [alert, ...more] = await detector.detect([traffic(account, 41)]);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ kind: OpsAlertKind.RateSpike, accountId: account, detectedAt: now });
    expect(alert?.details).toMatchObject({ messages_per_minute: 100.5, baseline_per_minute: 1, baseline_minutes: 60 });
    expect(alert?.summary).toBe(`Account ${account} is sending 100.5 messages a minute, 100.5 times its average of 1 a minute over the previous 60 minutes.`);

    expect(await detector.detect([traffic(account, 500)])).toEqual([]);
    now += 61 * MINUTE;
    expect((await detector.detect([traffic(account, 500)])).map((a) => a.kind)).toEqual([OpsAlertKind.RateSpike]);
  });

  it('says nothing about the rate of an account it has not watched for a whole baseline', async () => {
    expect(await detector.detect([traffic('MANEW000000000000000', 5_000)])).toEqual([]);
  });

  it('raises a burst to an area code the account had not sent to', async () => {
    const account = 'MAPREFIX000000000000';
    await warmUp(account, 'US:212');
    expect(await detector.detect([traffic(account, 19, { prefix: 'US:646' })])).toEqual([]);
    now += 2 * MINUTE;
    const alerts = await detector.detect([traffic(account, 1, { prefix: 'US:646' })]);
    expect(alerts.map((a) => a.kind)).toEqual([OpsAlertKind.NewDestination]);
    expect(alerts[0]?.details).toMatchObject({ prefix: 'US:646', country: 'US', area_code: '646', messages: 20 });
    expect(alerts[0]?.summary).toMatch(/sent 20 messages to area code 646 \(US\) within 5 minutes/);
  });

  it('does not count a burst to a known area code, or a slow trickle to a new one', async () => {
    const account = 'MATRICKLE00000000000';
    await warmUp(account, 'US:212');
    expect(await detector.detect([traffic(account, 50, { prefix: 'US:212' })])).toEqual([]);
    for (let i = 0; i < 4; i += 1) {
      expect(await detector.detect([traffic(account, 5, { prefix: 'CA:416' })])).toEqual([]);
      now += 2 * MINUTE;
    }
  });

  it('raises SMS pumping on OTP-like texts to many distinct numbers', async () => {
    const account = 'MAPUMP00000000000000';
    expect(await detector.detect([traffic(account, 30, { otp: true })])).toEqual([]);
    now += MINUTE;
    const alerts = await detector.detect([traffic(account, 30, { otp: true, firstNumber: 30 })]);
    expect(alerts.map((a) => a.kind)).toEqual([OpsAlertKind.SmsPumping]);
    expect(alerts[0]?.details).toMatchObject({ distinct_destinations: 60, otp_messages: 60, messages: 60, otp_share: 1 });
  });

  it('does not call it pumping when the same numbers get codes again, or the texts are not OTP-like', async () => {
    for (let round = 0; round < 3; round += 1) expect(await detector.detect([traffic('MAREPEAT000000000000', 40, { otp: true })])).toEqual([]);
    expect(await detector.detect([traffic('MAPLAIN0000000000000', 200)])).toEqual([]);
  });
});

describe('destinationHash', () => {
  it('keeps 20 bits, stable for a number', () => {
    const hashes = ['12125550100', '12125550101', '447700900123'].map(destinationHash);
    for (const hash of hashes) expect(hash).toBeLessThan(2 ** 20);
    expect(destinationHash('12125550100')).toBe(hashes[0]);
    expect(new Set(hashes).size).toBe(3);
  });
});
