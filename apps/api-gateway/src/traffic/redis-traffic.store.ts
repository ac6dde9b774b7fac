// The unusual-traffic counters in Redis, shared by every gateway replica. Per account, all
// keys carry the hash tag {sluice:traffic:<auth id>} (one Redis Cluster slot) and a TTL:
//   …:minutes   hash  m<minute> → messages, o<minute> → OTP-like messages (baseline + 2 minutes kept)
//   …:prefixes  hash  <prefix> → "first:last:count" (count -1 once known), #since, #slot<i> → minute
//   …:otp:<i>   HyperLogLog of the 20-bit destination hashes of one minute's OTP-like messages,
//               i = minute mod TRAFFIC_PUMPING_WINDOW_MINUTES (≤ 12 kB each, reused as minutes pass)
//   …:cooldown:<kind>  set NX for the cooldown: one alert per account and kind across replicas
import { Logger } from '@nestjs/common';
import type { NewPrefixCounts } from '@sluice/domain';
import type Redis from 'ioredis';
import { failFastRedis } from '../redis/fail-fast-redis';
import type { AccountFigures, AccountTraffic, TrafficStore, TrafficWindows } from './traffic-store';

/**
 * Adds one flush of an account's traffic and answers its counts, atomically and on Redis's
 * clock. ARGV: windows, then the flush (messages, OTP-like messages, prefix/count pairs,
 * destination hashes). Returns now, the rate counts, the pumping counts (distinct -1 when
 * the flush had no OTP-like message) and the prefixes still new, as flat triples.
 */
const RECORD_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local minute = math.floor(now / 60000)
local baselineMinutes = tonumber(ARGV[1])
local pumpingMinutes = tonumber(ARGV[2])
local newWindowMs = tonumber(ARGV[3])
local memoryMs = tonumber(ARGV[4])
local messages = tonumber(ARGV[5])
local otp = tonumber(ARGV[6])
local prefixCount = tonumber(ARGV[7])
local counts = KEYS[1]
local prefixes = KEYS[2]
local slots = #KEYS - 2

redis.call('HSETNX', prefixes, '#since', string.format('%.0f', now))
local since = tonumber(redis.call('HGET', prefixes, '#since'))

redis.call('HINCRBY', counts, 'm' .. minute, messages)
if otp > 0 then redis.call('HINCRBY', counts, 'o' .. minute, otp) end
local keep = math.max(baselineMinutes + 2, pumpingMinutes)
if redis.call('HLEN', counts) > 2 * keep + 4 then
  for _, field in ipairs(redis.call('HKEYS', counts)) do
    local m = tonumber(string.sub(field, 2))
    if m and m <= minute - keep then redis.call('HDEL', counts, field) end
  end
end
redis.call('PEXPIRE', counts, (keep + 1) * 60000)

local current = tonumber(redis.call('HGET', counts, 'm' .. minute)) or 0
local previous = tonumber(redis.call('HGET', counts, 'm' .. (minute - 1))) or 0
local baseline = 0
local names = {}
for m = minute - 1 - baselineMinutes, minute - 2 do names[#names + 1] = 'm' .. m end
if #names > 0 then
  for _, v in ipairs(redis.call('HMGET', counts, unpack(names))) do baseline = baseline + (tonumber(v) or 0) end
end
local complete = since <= (minute - 1 - baselineMinutes) * 60000

local fresh = {}
local i = 8
for _ = 1, prefixCount do
  local prefix = ARGV[i]
  local n = tonumber(ARGV[i + 1])
  i = i + 2
  local first, last, count
  local stored = redis.call('HGET', prefixes, prefix)
  if stored then
    local a, b, c = string.match(stored, '^(%d+):(%d+):(%-?%d+)$')
    first, last, count = tonumber(a), tonumber(b), tonumber(c)
    if not (first and last and count) or last < now - memoryMs then first = nil end
  end
  if not first then
    first = now
    if complete then count = n else count = -1 end
  elseif count >= 0 then
    if now - first <= newWindowMs then count = count + n else count = -1 end
  end
  redis.call('HSET', prefixes, prefix, string.format('%.0f:%.0f:%.0f', first, now, count))
  if count >= 0 then
    fresh[#fresh + 1] = prefix
    fresh[#fresh + 1] = count
    fresh[#fresh + 1] = first
  end
end
if redis.call('HLEN', prefixes) > 4096 then
  for _, field in ipairs(redis.call('HKEYS', prefixes)) do
    if string.sub(field, 1, 1) ~= '#' then
      local last = tonumber(string.match(redis.call('HGET', prefixes, field) or '', '^%d+:(%d+):'))
      if not last or last < now - memoryMs then redis.call('HDEL', prefixes, field) end
    end
  end
end
redis.call('PEXPIRE', prefixes, memoryMs + 60000)

local distinct = -1
local windowMessages = 0
local windowOtp = 0
if otp > 0 and slots > 0 then
  local slot = minute % slots
  local key = KEYS[3 + slot]
  if tonumber(redis.call('HGET', prefixes, '#slot' .. slot)) ~= minute then
    redis.call('DEL', key)
    redis.call('HSET', prefixes, '#slot' .. slot, minute)
  end
  local chunk = {}
  for j = i, #ARGV do
    chunk[#chunk + 1] = ARGV[j]
    if #chunk == 1000 then
      redis.call('PFADD', key, unpack(chunk))
      chunk = {}
    end
  end
  if #chunk > 0 then redis.call('PFADD', key, unpack(chunk)) end
  redis.call('PEXPIRE', key, (slots + 1) * 60000)
  local live = {}
  for s = 0, slots - 1 do
    local stamp = tonumber(redis.call('HGET', prefixes, '#slot' .. s))
    if stamp and stamp > minute - pumpingMinutes then live[#live + 1] = KEYS[3 + s] end
  end
  distinct = redis.call('PFCOUNT', unpack(live))
  local window = {}
  for m = minute - pumpingMinutes + 1, minute do
    window[#window + 1] = 'm' .. m
    window[#window + 1] = 'o' .. m
  end
  local values = redis.call('HMGET', counts, unpack(window))
  for k = 1, #values, 2 do
    windowMessages = windowMessages + (tonumber(values[k]) or 0)
    windowOtp = windowOtp + (tonumber(values[k + 1]) or 0)
  end
end

local answer = { now, current, previous, baseline, complete and 1 or 0, distinct, windowMessages, windowOtp }
for _, v in ipairs(fresh) do answer[#answer + 1] = v end
return answer`;

type RedisWithTraffic = Redis & { sluiceTraffic(...keysAndArgs: Array<string | number>): Promise<Array<number | string>> };

/** The key prefix of one account's counters (a hash tag: every key of the account is in one slot). */
export function trafficKey(accountId: string): string {
  return `{sluice:traffic:${accountId}}`;
}

export class RedisTrafficStore implements TrafficStore {
  private readonly logger = new Logger(RedisTrafficStore.name);
  private readonly redis: RedisWithTraffic;
  private lastWarning = 0;

  constructor(
    url: string,
    private readonly windows: TrafficWindows,
  ) {
    const redis = failFastRedis(url, 'api-gateway-traffic', 2_000, (error) => this.warn(error));
    redis.defineCommand('sluiceTraffic', { lua: RECORD_LUA });
    this.redis = redis as RedisWithTraffic;
  }

  /** Accounts whose counts could not be updated (Redis unreachable) are left out: nothing is judged on partial state. */
  async record(batch: readonly AccountTraffic[]): Promise<AccountFigures[]> {
    if (this.redis.status !== 'ready') {
      if (batch.length > 0) this.warn(new Error(`redis is ${this.redis.status}`));
      return [];
    }
    const results = await Promise.all(
      batch.map((traffic) =>
        this.recordOne(traffic).catch((error: unknown) => {
          this.warn(error);
          return null;
        }),
      ),
    );
    return results.filter((r): r is AccountFigures => r !== null);
  }

  async claimCooldown(accountId: string, kind: string, cooldownMs: number): Promise<boolean> {
    return (await this.redis.set(`${trafficKey(accountId)}:cooldown:${kind}`, '1', 'PX', cooldownMs, 'NX')) === 'OK';
  }

  async releaseCooldown(accountId: string, kind: string): Promise<void> {
    await this.redis.del(`${trafficKey(accountId)}:cooldown:${kind}`);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async recordOne(traffic: AccountTraffic): Promise<AccountFigures> {
    const { baselineMinutes, pumpingMinutes, newDestinationWindowMs, destinationMemoryMs } = this.windows;
    const base = trafficKey(traffic.accountId);
    const keys = [`${base}:minutes`, `${base}:prefixes`];
    for (let slot = 0; slot < pumpingMinutes; slot += 1) keys.push(`${base}:otp:${slot}`);
    const args: Array<string | number> = [baselineMinutes, pumpingMinutes, newDestinationWindowMs, destinationMemoryMs, traffic.messages, traffic.otpMessages, traffic.prefixes.size];
    for (const [prefix, count] of traffic.prefixes) args.push(prefix, count);
    for (const hash of traffic.otpDestinations) args.push(hash);
    const answer = await this.redis.sluiceTraffic(keys.length, ...keys, ...args);
    const [now = 0, current = 0, previous = 0, baseline = 0, complete = 0, distinct = -1, windowMessages = 0, windowOtp = 0] = answer.slice(0, 8).map(Number);
    const newPrefixes: NewPrefixCounts[] = [];
    for (let i = 8; i + 2 < answer.length; i += 3) {
      newPrefixes.push({ prefix: String(answer[i]), messages: Number(answer[i + 1]), firstSeenAt: Number(answer[i + 2]) });
    }
    return {
      accountId: traffic.accountId,
      now,
      rate: {
        currentMinute: current,
        previousMinute: previous,
        msIntoMinute: now % 60_000,
        baseline,
        baselineMinutes,
        baselineComplete: complete === 1,
      },
      newPrefixes,
      pumping: distinct < 0 ? null : { distinctOtpDestinations: distinct, otpMessages: windowOtp, messages: windowMessages },
    };
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < 10_000) return;
    this.lastWarning = Date.now();
    this.logger.warn({ err: error }, 'redis unavailable for unusual-traffic detection; this traffic is not counted');
  }
}
