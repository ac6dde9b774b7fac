// Messages per (account, country) and hour window for geo thresholds, shared by every gateway replica.
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { HOUR_MS, type HourlyCount } from '@sluice/domain';
import { FraudControlsRepository } from '@sluice/persistence';
import type Redis from 'ioredis';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { failFastRedis } from '../redis/fail-fast-redis';

/**
 * One record per (account, country): the current hour window's start, its count and the
 * end of a block. Counting adds to it (a newer window starts from zero; nothing is counted
 * while a block holds) and answers the state before the addition, atomically; a block
 * only ever moves later. The same record in Redis (a hash, one Lua call) or Postgres (a
 * row, one upsert): see CountryHourCounter.
 */
const HOURLY_LUA = `
local key = KEYS[1]
local v = redis.call('HMGET', key, 'hour', 'messages', 'blocked_until')
local hour, messages, blocked = tonumber(v[1]), tonumber(v[2]) or 0, tonumber(v[3]) or 0
if ARGV[1] == 'block' then
  local untilMs = tonumber(ARGV[2])
  if untilMs > blocked then redis.call('HSET', key, 'blocked_until', untilMs) end
  redis.call('PEXPIREAT', key, untilMs + 60000, 'GT')
  return {0, 0}
end
local start, n, now = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if hour == nil or hour < start then
  hour = start
  messages = 0
end
if blocked <= now then messages = messages + n end
redis.call('HSET', key, 'hour', hour, 'messages', messages)
redis.call('PEXPIREAT', key, math.max(hour + ${HOUR_MS}, blocked) + 60000)
return {messages, blocked}`;

type RedisWithHourly = Redis & { sluiceGeoHourly(key: string, ...args: Array<string | number>): Promise<[number, number]> };

/**
 * With REDIS_URL the records live in Redis (one Lua call per request and country, no
 * Postgres row lock on the acceptance path); without it, in Postgres (`geo_hourly_counts`,
 * one upsert). Either way one store is shared by every replica, so the count is exact and
 * exactly one request sees it pass the threshold. While Redis is unreachable the count
 * goes on in Postgres: the two are not added up, so in that hour a threshold may let
 * through up to its count again.
 */
@Injectable()
export class CountryHourCounter implements OnApplicationShutdown {
  private readonly logger = new Logger(CountryHourCounter.name);
  private readonly redis: RedisWithHourly | null;
  private lastWarning = 0;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly repository: FraudControlsRepository,
  ) {
    if (config.REDIS_URL) {
      const redis = failFastRedis(config.REDIS_URL, 'api-gateway-geo', 1_000, (error) => this.warn(error));
      redis.defineCommand('sluiceGeoHourly', { numberOfKeys: 1, lua: HOURLY_LUA });
      this.redis = redis as RedisWithHourly;
    } else {
      this.redis = null;
    }
  }

  /** Counts `messages` into the hour window starting at `hourStart` (unless blocked at `now`); the state before. */
  async count(accountId: string, country: string, hourStart: number, messages: number, now: number): Promise<HourlyCount> {
    if (this.redis) {
      try {
        const [after, blockedUntil] = await this.redis.sluiceGeoHourly(key(accountId, country), 'count', hourStart, messages, now);
        return { before: Number(blockedUntil) > now ? Number(after) : Number(after) - messages, blockedUntil: Number(blockedUntil) };
      } catch (error: unknown) {
        this.warn(error);
      }
    }
    return this.repository.countHourly(accountId, country, hourStart, messages, now);
  }

  /** Holds the block until `until` (epoch ms), beyond the hour window. */
  async block(accountId: string, country: string, until: number): Promise<void> {
    if (this.redis) {
      try {
        await this.redis.sluiceGeoHourly(key(accountId, country), 'block', until);
        return;
      } catch (error: unknown) {
        this.warn(error);
      }
    }
    await this.repository.blockCountry(accountId, country, until);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < 10_000) return;
    this.lastWarning = Date.now();
    this.logger.warn({ err: error }, 'redis unavailable for geo thresholds; counting in Postgres meanwhile');
  }
}

function key(accountId: string, country: string): string {
  return `{sluice:geo:${accountId}}:${country}`;
}
