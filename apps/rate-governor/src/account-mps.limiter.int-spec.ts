import { MessageType } from '@sluice/contracts';
import { testInfrastructure } from '@sluice/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AccountMpsLimiter, mpsToWindow } from './account-mps.limiter';

describe('AccountMpsLimiter (real Redis)', () => {
  let redis: Redis;
  let limiter: AccountMpsLimiter;

  beforeAll(() => {
    redis = new Redis(testInfrastructure().redisUrl);
    limiter = new AccountMpsLimiter(redis);
  });

  afterAll(async () => {
    await redis.quit();
  });

  const farFuture = () => Date.now() + 3_600_000;

  it('books ten sends at 5 MPS as five in one interval and five in the next', async () => {
    const account = `MA${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;
    const slots: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const booking = await limiter.book(account, MessageType.Sms, 5, 1, farFuture(), randomUUID());
      slots.push(booking.slot!);
    }
    const first = slots[0]!;
    expect(slots.filter((s) => s < first + 1_000)).toHaveLength(5);
    expect(slots.filter((s) => s >= first + 1_000 && s < first + 2_000)).toHaveLength(5);
    // Every sliding one-second window holds at most five.
    for (const s of slots) expect(slots.filter((t) => t >= s && t < s + 1_000).length).toBeLessThanOrEqual(5);
  });

  it('spaces 0.25 MPS (MMS default) one unit per four seconds', async () => {
    expect(mpsToWindow(0.25)).toEqual({ limit: 1, windowMs: 4_000 });
    const account = `MA${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;
    const a = await limiter.book(account, MessageType.Mms, 0.25, 1, farFuture(), randomUUID());
    const b = await limiter.book(account, MessageType.Mms, 0.25, 1, farFuture(), randomUUID());
    expect(b.slot! - a.slot!).toBeGreaterThanOrEqual(4_000);
  });

  it('books nothing when the earliest slot is past the deadline', async () => {
    const account = `MA${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;
    for (let i = 0; i < 5; i += 1) await limiter.book(account, MessageType.Sms, 5, 1, farFuture(), randomUUID());
    const late = await limiter.book(account, MessageType.Sms, 5, 1, Date.now() + 100, randomUUID());
    expect(late.slot).toBeNull();
    const key = `{acct:${account}}:mps:sms`;
    expect(await redis.zcard(key)).toBe(5);
  });
});
