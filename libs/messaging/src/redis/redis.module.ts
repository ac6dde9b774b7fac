import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ReadinessRegistry } from '@sluice/observability';
import Redis from 'ioredis';

export const REDIS = Symbol('REDIS');

/** While Redis stays unreachable, its connection error is logged at most this often. */
const ERROR_LOG_INTERVAL_MS = 10_000;

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
  redis.on('ready', () => {
    if (failures > 0) logger.log({ failures }, 'redis connection back');
    failures = 0;
    lastLogged = 0;
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
