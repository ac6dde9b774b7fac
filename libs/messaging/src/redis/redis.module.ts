import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ReadinessRegistry } from '@sluice/observability';
import Redis from 'ioredis';

export const REDIS = Symbol('REDIS');

/** While Redis stays unreachable, its connection error is logged at most this often. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * The Redis setting under which every sorted set is a skip list. The quota windows hold scores
 * with microseconds, which a listpack (Redis's encoding of sets up to 128 entries by default)
 * keeps as text and parses again on every range count: docs/decisions/0010-redis-sorted-sets.md.
 */
export const SORTED_SET_SETTING = { name: 'zset-max-listpack-entries', recommended: '0' } as const;

/**
 * Warns once when Redis keeps small sorted sets as listpacks. A server that refuses CONFIG
 * (some managed services do) is left alone: the setting is then the operator's to check.
 */
export async function checkSortedSetEncoding(redis: Redis, logger: Pick<Logger, 'warn'>): Promise<void> {
  let reply: unknown;
  try {
    reply = await redis.config('GET', SORTED_SET_SETTING.name);
  } catch {
    return;
  }
  const value = Array.isArray(reply) ? reply[1] : undefined;
  if (typeof value === 'string' && value !== SORTED_SET_SETTING.recommended) {
    logger.warn(
      { setting: SORTED_SET_SETTING.name, value, recommended: SORTED_SET_SETTING.recommended },
      `redis keeps sorted sets of up to ${value} entries as listpacks; set ${SORTED_SET_SETTING.name} ${SORTED_SET_SETTING.recommended} for about a quarter less Redis CPU on the quota windows`,
    );
  }
}

export function createRedis(url: string, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    // Commands wait for a reconnect instead of failing at once; quota decisions must not be skipped.
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
  });
  // Every failed reconnect emits 'error'; without a listener ioredis prints each one unstructured.
  const logger = new Logger(`Redis:${name}`);
  let lastLogged = 0;
  let failures = 0;
  redis.on('error', (error: Error) => {
    failures += 1;
    if (Date.now() - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = Date.now();
    logger.warn({ err: { message: error.message, code: (error as NodeJS.ErrnoException).code }, failures }, 'redis connection failing; commands wait for the reconnect');
  });
  let checked = false;
  redis.on('ready', () => {
    if (failures > 0) logger.log({ failures }, 'redis connection back');
    failures = 0;
    lastLogged = 0;
    if (!checked) {
      checked = true;
      void checkSortedSetEncoding(redis, logger);
    }
  });
  return redis;
}

@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  static forRoot(url: string, name: string): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        {
          provide: REDIS,
          inject: [ReadinessRegistry],
          useFactory: (readiness: ReadinessRegistry) => {
            const redis = createRedis(url, name);
            readiness.register('redis', async () => {
              if (redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`);
              await redis.ping();
            });
            return redis;
          },
        },
      ],
      exports: [REDIS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
