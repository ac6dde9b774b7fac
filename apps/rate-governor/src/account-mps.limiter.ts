// Books each message the earliest slot its account's MPS allows, atomically on Redis time.
import { MessageType } from '@sluice/contracts';
import type Redis from 'ioredis';

/**
 * The same rule as `earliestSlot` in @sluice/domain, run inside Redis so every governor
 * replica sees one set of bookings. Bookings are one sorted-set entry per unit, scored
 * by dispatch time. A time t fits when every window [s, s + W) that contains t stays
 * within the limit; the candidates are now and b + W for each booking b.
 * KEYS[1]: bookings. ARGV: limit, window ms, cost, deadline (ms), member prefix.
 * Returns { now, slot } with slot = -1 when no slot exists before the deadline (nothing booked).
 */
const BOOK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key, limit, W, cost, deadline = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - W)
local function fits(at)
  if redis.call('ZCOUNT', key, at - W + 1, at) + cost > limit then return false end
  local later = redis.call('ZRANGEBYSCORE', key, '(' .. at, at + W - 1)
  local last = nil
  for _, m in ipairs(later) do
    local b = tonumber(redis.call('ZSCORE', key, m))
    if b ~= last then
      last = b
      if redis.call('ZCOUNT', key, b - W + 1, b) + cost > limit then return false end
    end
  end
  return true
end
local slot = nil
if fits(now) then
  slot = now
else
  local bookings = redis.call('ZRANGEBYSCORE', key, now - W + 1, '+inf', 'WITHSCORES')
  local last = nil
  for i = 2, #bookings, 2 do
    local candidate = tonumber(bookings[i]) + W
    if candidate ~= last and candidate > now then
      last = candidate
      if fits(candidate) then slot = candidate break end
    end
  end
  if slot == nil then slot = tonumber(bookings[#bookings]) + W end
end
if slot > deadline then return { now, -1 } end
for i = 1, cost do redis.call('ZADD', key, slot, ARGV[5] .. ':' .. i) end
redis.call('PEXPIRE', key, slot - now + W + 1000)
return { now, slot }`;

/** Quota arithmetic in integers: an MPS of 0.25 is one unit per 4,000 ms. */
export function mpsToWindow(mps: number): { limit: number; windowMs: number } {
  if (mps >= 1) return { limit: Math.floor(mps), windowMs: 1_000 };
  return { limit: 1, windowMs: Math.round(1_000 / mps) };
}

export interface Booking {
  readonly now: number;
  /** Null when the earliest slot is past the deadline; nothing was booked. */
  readonly slot: number | null;
}

export class AccountMpsLimiter {
  /**
   * @param guardMs added to every window when booking. The carrier counts arrivals, and
   * a dispatch can leave up to the dispatcher's lateness after its slot; booking with
   * windows this much longer keeps the carrier's view within the quota while the
   * lateness stays below the guard.
   */
  constructor(
    private readonly redis: Redis,
    private readonly guardMs = 0,
  ) {}

  async book(accountId: string, type: MessageType, mps: number, cost: number, deadline: number, messageUuid: string): Promise<Booking> {
    const { limit, windowMs } = mpsToWindow(mps);
    // A message costing more units than the window holds is spread: it books the whole window.
    const units = Math.min(cost, limit);
    // Hash tag per account: all of an account's quota keys share one Redis Cluster slot.
    const key = `{acct:${accountId}}:mps:${type}`;
    const [now, slot] = (await this.redis.eval(BOOK, 1, key, limit, windowMs + this.guardMs, units, deadline, messageUuid)) as [number, number];
    return { now: Number(now), slot: Number(slot) < 0 ? null : Number(slot) };
  }
}
