// The API request rate across replicas, on a real Redis: each replica reports its admissions
// there shortly after it makes them, and a replica whose account went over the rate in total
// answers 429 until Redis says the account is back within it.
import { eventually, testInfrastructure } from '@sluice/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { apiRateKey, ApiRateLimiter } from '../src/auth/api-rate.limiter';
import type { GatewayConfig } from '../src/gateway.config';

const RATE = 100;

describe('ApiRateLimiter across replicas (Redis)', () => {
  const config = { REDIS_URL: testInfrastructure().redisUrl, API_REQUEST_RATE: RATE } as GatewayConfig;
  const replicas: ApiRateLimiter[] = [];
  const redis = new Redis(testInfrastructure().redisUrl);
  const replica = (): ApiRateLimiter => {
    const limiter = new ApiRateLimiter(config);
    replicas.push(limiter);
    return limiter;
  };
  const newAccount = (): string => `MA${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;
  const admit = (limiter: ApiRateLimiter, account: string, n: number): number[] => Array.from({ length: n }, () => limiter.check(account, RATE));
  const reported = (account: string, what: string): Promise<true> =>
    eventually(async () => ((await redis.get(apiRateKey(account))) !== null ? true : undefined), 10_000, what);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.onApplicationShutdown()));
    redis.disconnect();
  });

  it('refuses on a replica that is within the rate alone once the account is over it in total', async () => {
    const account = newAccount();
    const [a, b] = [replica(), replica()];
    expect(admit(a, account, RATE).every((wait) => wait === 0)).toBe(true);
    // a's report is in Redis: the account has used its whole burst.
    await reported(account, "a's report in Redis");
    // b is well within the rate on its own (90 of a burst of 100)...
    expect(admit(b, account, 90).every((wait) => wait === 0)).toBe(true);
    // ...but not in total: once b has reported, b answers with a wait (about 0.9 s).
    const wait = await eventually(async () => {
      const answer = b.check(account, RATE);
      return answer > 0 ? answer : undefined;
    }, 10_000, 'b to refuse the account');
    expect(wait).toBeGreaterThan(0);
  });

  it('leaves the other accounts of a replica alone, each answered with its own wait in one report', async () => {
    const [busy, quiet] = [newAccount(), newAccount()];
    const [a, b] = [replica(), replica()];
    admit(a, busy, RATE);
    await reported(busy, "a's report in Redis");
    // One report of b carries both accounts: only the busy one is over the rate in total.
    admit(b, busy, 90);
    admit(b, quiet, 1);
    await eventually(async () => (b.check(busy, RATE) > 0 ? true : undefined), 10_000, 'b to refuse the busy account');
    await reported(quiet, "b's report of the quiet account");
    expect(b.check(quiet, RATE)).toBe(0);
  });

  it('reports every account a replica admitted in one report, however many', async () => {
    const accounts = Array.from({ length: 1_200 }, newAccount);
    const a = replica();
    for (const account of accounts) admit(a, account, 1);
    await eventually(async () => {
      const meters = await redis.mget(...accounts.map(apiRateKey));
      return meters.every((meter) => meter !== null) ? true : undefined;
    }, 10_000, "every account's report in Redis");
  });
});
