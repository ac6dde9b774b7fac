import { createHash, randomUUID } from 'node:crypto';
import { testInfrastructure } from '@sluice/testing';
import Redis from 'ioredis';
import { luaScript } from './lua-script';

describe('luaScript (real Redis)', () => {
  let redis: Redis;
  let watcher: Redis;

  beforeAll(() => {
    redis = new Redis(testInfrastructure().redisUrl);
    watcher = new Redis(testInfrastructure().redisUrl);
  });

  afterAll(async () => {
    await Promise.all([redis.quit(), watcher.quit()]);
  });

  it('sends the body once, then only its digest, and sends it again when Redis has forgotten it', async () => {
    // A script no other test has loaded: its digest is new to Redis.
    const marker = randomUUID();
    const lua = `-- ${marker}\nreturn {KEYS[1], ARGV[1]}`;
    const sha = createHash('sha1').update(lua).digest('hex');
    const monitor = await watcher.monitor();
    // Each call of ours as MONITOR saw it run: how it was sent, and its argument.
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      const [command, first] = args;
      const last = args[args.length - 1];
      if (command?.toLowerCase() === 'evalsha' && first === sha) seen.push(`evalsha ${last}`);
      if (command?.toLowerCase() === 'eval' && first?.includes(marker)) seen.push(`eval ${last}`);
    });
    try {
      const script = luaScript(redis, lua);
      expect(luaScript(redis, lua)).toBe(script);
      expect(await script(1, 'k', 'a')).toEqual(['k', 'a']);
      expect(await script(1, 'k', 'b')).toEqual(['k', 'b']);
      expect(await redis.script('EXISTS', sha)).toEqual([1]);
      // As after a restart of Redis: the next call finds no script and sends the body again.
      await redis.script('FLUSH');
      expect(await script(1, 'k', 'c')).toEqual(['k', 'c']);
      // MONITOR reports commands as they run; a PING through the same connection comes after them.
      await redis.ping();
      for (let tries = 0; tries < 100 && !seen.includes('eval c'); tries += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      // The body went with the first call and with the one after the flush, and only then.
      expect(seen.filter((call) => call.startsWith('eval '))).toEqual(['eval a', 'eval c']);
      expect(seen).toContain('evalsha b');
    } finally {
      monitor.disconnect();
    }
  });
});
