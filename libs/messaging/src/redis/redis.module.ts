import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ReadinessRegistry } from '@sluice/observability';
import Redis from 'ioredis';

export const REDIS = Symbol('REDIS');

export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    // Commands wait for a reconnect instead of failing at once; quota decisions must not be skipped.
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
  });
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
