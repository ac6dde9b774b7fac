import { testInfrastructure } from '@sluice/testing';
import Redis from 'ioredis';
import { checkSortedSetEncoding, SORTED_SET_SETTING } from './redis.module';

describe('checkSortedSetEncoding (real Redis)', () => {
  let redis: Redis;
  let before: string;

  beforeAll(async () => {
    redis = new Redis(testInfrastructure().redisUrl);
    const [, value] = (await redis.config('GET', SORTED_SET_SETTING.name)) as [string, string];
    before = value;
  });

  afterAll(async () => {
    await redis.config('SET', SORTED_SET_SETTING.name, before);
    await redis.quit();
  });

  function warnings(): { logger: { warn: (context: object, message: string) => void }; seen: Array<{ context: object; message: string }> } {
    const seen: Array<{ context: object; message: string }> = [];
    return { logger: { warn: (context, message) => void seen.push({ context, message }) }, seen };
  }

  it('says nothing when every sorted set is a skip list', async () => {
    await redis.config('SET', SORTED_SET_SETTING.name, SORTED_SET_SETTING.recommended);
    const { logger, seen } = warnings();
    await checkSortedSetEncoding(redis, logger);
    expect(seen).toEqual([]);
  });

  it('names the setting, its value and the one recommended when small sets are listpacks', async () => {
    await redis.config('SET', SORTED_SET_SETTING.name, '128');
    const { logger, seen } = warnings();
    await checkSortedSetEncoding(redis, logger);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.context).toEqual({ setting: 'zset-max-listpack-entries', value: '128', recommended: '0' });
    expect(seen[0]?.message).toContain('set zset-max-listpack-entries 0');
  });

  it('keeps the windows as skip lists under the recommended setting', async () => {
    await redis.config('SET', SORTED_SET_SETTING.name, SORTED_SET_SETTING.recommended);
    const key = `redis-settings-spec:${process.pid}:${Date.now()}`;
    await redis.zadd(key, 1796515200123.456, 'a:1');
    try {
      expect(await redis.object('ENCODING', key)).toBe('skiplist');
    } finally {
      await redis.del(key);
    }
  });
});
