// The per-account API request rate (HTTP 429), a limit separate from the dispatch MPS.
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { luaScript, type LuaScript } from '@sluice/messaging';
import type Redis from 'ioredis';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { failFastRedis } from '../redis/fail-fast-redis';

/**
 * GCRA ("leaky bucket as a meter"): one theoretical arrival time per account. `rate` per
 * second sustained, bursts of up to `rate` at once, exact over any window and O(1) state.
 */
export class GcraMeter {
  private readonly tat = new Map<string, number>();

  /** 0 when allowed (and counted), else microseconds until a request would be allowed. */
  take(key: string, ratePerSecond: number, nowMicros: number): number {
    const interval = Math.floor(1_000_000 / ratePerSecond);
    const tolerance = interval * (Math.max(1, ratePerSecond) - 1);
    const tat = Math.max(this.tat.get(key) ?? nowMicros, nowMicros);
    const wait = tat - nowMicros - tolerance;
    if (wait > 0) return wait;
    this.tat.set(key, tat + interval);
    if (this.tat.size > 100_000) this.sweep(nowMicros);
    return 0;
  }

  private sweep(nowMicros: number): void {
    for (const [key, tat] of this.tat) if (tat < nowMicros) this.tat.delete(key);
  }
}

/**
 * The same meter in Redis on Redis's clock, for every account of one report at once: KEYS are
 * the accounts' meters, ARGV a triple a key (interval and tolerance in µs, then `cost`, the
 * requests this replica admitted since its last report). Admitted requests are always counted;
 * the answer is, per key, how long the account must now wait in µs (0 when it is within its rate).
 */
const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local waits = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[3 * i - 2])
  local tolerance = tonumber(ARGV[3 * i - 1])
  local cost = tonumber(ARGV[3 * i])
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  local next_tat = tat + interval * cost
  redis.call('SET', KEYS[i], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
  local wait = next_tat - now - tolerance - interval
  if wait > 0 then waits[i] = wait else waits[i] = 0 end
end
return waits`;

/**
 * An account's meter in Redis. Every account shares the hash tag, so that one script call
 * reports them all (they would live in one slot of a cluster).
 */
export function apiRateKey(authId: string): string {
  return `{sluice:api-rate}:${authId}`;
}

/** Accounts a script call reports at most: a report of more goes in several, so that none holds Redis for long. */
const ACCOUNTS_PER_CALL = 500;

/** How often a replica reports its admissions to Redis. */
const REPORT_INTERVAL_MS = 20;

/**
 * Every replica meters each account exactly on its own (GCRA, in memory), so the answer
 * never waits for a network round trip. With REDIS_URL each replica also reports its
 * admissions per account to Redis every 20 ms, off the request path, every account in one
 * script call: when the account's total over all replicas exceeds its rate, Redis says for
 * how long, and every replica answers 429 until then. Overshoot across replicas is bounded
 * by what is admitted in one report interval plus one Redis round trip. The report is armed
 * by the first admission after the previous one, so an idle gateway runs no timer for it.
 */
@Injectable()
export class ApiRateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger(ApiRateLimiter.name);
  private readonly local = new GcraMeter();
  private readonly blockedUntil = new Map<string, number>();
  /** Admissions per account not yet reported to Redis, with the rate they were metered at. */
  private unreported = new Map<string, { count: number; rate: number }>();
  private reporter: NodeJS.Timeout | null = null;
  private readonly redis: Redis | null;
  private readonly gcra: LuaScript | null;
  private lastRedisWarning = 0;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    if (config.REDIS_URL) {
      const redis = failFastRedis(config.REDIS_URL, 'api-gateway-rate', 1_000, (error) => this.warn(error));
      this.gcra = luaScript(redis, GCRA_LUA);
      this.redis = redis;
    } else {
      this.redis = null;
      this.gcra = null;
    }
  }

  /** Milliseconds to wait before retrying, or 0 when the request may proceed (and is counted). */
  check(authId: string, ratePerSecond: number | null): number {
    const rate = ratePerSecond ?? this.config.API_REQUEST_RATE;
    const now = Date.now();
    const blocked = this.blockedUntil.get(authId);
    if (blocked !== undefined) {
      if (blocked > now) return blocked - now;
      this.blockedUntil.delete(authId);
    }
    const localWait = this.local.take(authId, rate, now * 1000);
    if (localWait > 0) return Math.ceil(localWait / 1000);
    if (this.redis) {
      const entry = this.unreported.get(authId);
      if (entry) entry.count += 1;
      else this.unreported.set(authId, { count: 1, rate });
      this.reportSoon();
    }
    return 0;
  }

  /** Arms the report for REPORT_INTERVAL_MS from now unless one is armed: no timer runs while nothing is admitted. */
  private reportSoon(): void {
    if (this.reporter) return;
    this.reporter = setTimeout(() => {
      this.reporter = null;
      this.report();
    }, REPORT_INTERVAL_MS);
    this.reporter.unref();
  }

  private report(): void {
    if (this.unreported.size === 0) return;
    // Kept for the next report while Redis is away (counted per replica meanwhile).
    if (this.redis?.status !== 'ready') {
      this.reportSoon();
      return;
    }
    const batch = [...this.unreported];
    this.unreported = new Map();
    for (let from = 0; from < batch.length; from += ACCOUNTS_PER_CALL) this.reportPart(batch.slice(from, from + ACCOUNTS_PER_CALL));
  }

  private reportPart(part: ReadonlyArray<[string, { count: number; rate: number }]>): void {
    const gcra = this.gcra;
    if (!gcra) return;
    const args: number[] = [];
    for (const [, { count, rate }] of part) {
      const interval = Math.floor(1_000_000 / rate);
      args.push(interval, interval * (Math.max(1, rate) - 1), count);
    }
    gcra(part.length, ...part.map(([authId]) => apiRateKey(authId)), ...args)
      .then((reply) => {
        const waits = reply as unknown[];
        const now = Date.now();
        part.forEach(([authId], i) => {
          const waitMicros = Number(waits[i]);
          if (waitMicros > 0) this.blockedUntil.set(authId, now + Math.ceil(waitMicros / 1000));
        });
      })
      .catch((error: unknown) => this.warn(error));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.reporter) clearTimeout(this.reporter);
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastRedisWarning < 10_000) return;
    this.lastRedisWarning = Date.now();
    this.logger.warn({ err: error }, 'redis unavailable for the API request rate; counting per replica meanwhile');
  }
}
