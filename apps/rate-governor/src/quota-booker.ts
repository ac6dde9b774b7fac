// Books a message the earliest slot that every quota allows, atomically in Redis on Redis time.
import { pacificDay, type DailyCap, type RecentSendsSource, type WindowQuota } from '@sluice/domain';
import { defineWindowScripts, luaScript, rebuildMissingWindows, RedisClockOffset, type LuaScript } from '@sluice/messaging';
import type Redis from 'ioredis';

/**
 * The rule of `earliestCommonSlot` (@sluice/domain), run inside Redis so that every
 * governor replica sees one set of bookings. Window bookings are one sorted-set entry
 * per unit (member `<message uuid>:<unit>`, so a replayed message moves its own
 * bookings instead of adding more), scored by dispatch time. Daily caps are counters
 * per Pacific day; a `defer` cap moves the slot to the next day, a `fail` cap fails the
 * message. Every key carries the hash tag of the sender's ROOT account (`{acct:<main auth
 * id>}`), so one script touches one Redis Cluster slot: a number belongs to exactly one
 * root account, so a parent and its subaccounts sending from it share its counters, as
 * they share a brand's; the account MPS is told apart by the (sub)account in its scope.
 *
 * KEYS: window keys (n), then for each daily cap its counter for today and for tomorrow.
 * ARGV: n, m, cost, deadline, member, clock offset, today's end, tomorrow's end,
 *       then limit and window ms per window, then cap and overflow (1 = fail) per daily cap,
 *       then the earliest slot allowed (0: none).
 * Returns {now, slot, detail, replayed}: slot ≥ 0 booked (replayed = 1 when the message
 * was booked before and nothing changed); -1 no slot before the deadline; -2 a
 * `fail` cap is reached (detail = its index); -3 a daily counter is missing (detail =
 * key index), to be restored from Postgres before trying again; -4 a window key is
 * missing (detail = its index), to be rebuilt from Postgres's record of recent sends.
 *
 * A window key always holds the member WINDOW_SENTINEL at score 0 (below every booking,
 * kept by the trimming), so a key that does not exist was never written, expired after
 * a quiet spell, or was lost with Redis's data: in each case it is rebuilt before any
 * booking counts on it, and no quota goes over right after a failover.
 */
/** Within this much (plus the measurement's round trip) of a Pacific day's end, a booking asks Redis the time. */
const DAY_END_MARGIN_MS = 1_000;

/** Forbidden ranges a booking looks at before it takes the time past a quota's whole backlog (see earliestSlot). */
export const SCAN_GROUPS = 256;
/** Groups the first page of that pass reads (each next page four times as many). */
const FIRST_PAGE = 4;

const BOOK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[6])
local n, m, cost, deadline = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local member, todayEnd, tomorrowEnd = ARGV[5], tonumber(ARGV[7]), tonumber(ARGV[8])
local limits, windows, caps, fails = {}, {}, {}, {}
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 0 then return { now, -4, i } end
end
for i = 1, n do
  limits[i] = tonumber(ARGV[8 + 2 * i - 1])
  windows[i] = tonumber(ARGV[8 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '(0', now - windows[i])
end
for j = 1, m do
  caps[j] = tonumber(ARGV[8 + 2 * n + 2 * j - 1])
  fails[j] = ARGV[8 + 2 * n + 2 * j] == '1'
end

-- Earliest time >= from that fits window i (earliestSlot of @sluice/domain, with a pass of
-- at most ${SCAN_GROUPS} groups): every free + 1 bookings no more than W - 1 apart forbid
-- [last - W + 1, first + W - 1]; those ranges come in order, so one pass jumps past each that
-- holds the candidate and stops at the first after it. Bookings are read by rank (the
-- sentinel is rank 0), so a long backlog costs O(log n) and not a read of all of it; and in
-- pages of ${FIRST_PAGE}, ${FIRST_PAGE * 4}, … groups, the lasts first, since a pass mostly stops
-- at its first range or finds none (each group read is two values turned into Lua strings).
local function earliest(i, from)
  local W, free, key = windows[i], limits[i] - cost, KEYS[i]
  local r0 = redis.call('ZCOUNT', key, '-inf', from - W)
  local t, seen, page = from, 0, ${FIRST_PAGE}
  while seen < ${SCAN_GROUPS} do
    local size = math.min(page, ${SCAN_GROUPS} - seen)
    local lasts = redis.call('ZRANGE', key, r0 + free + seen, r0 + free + seen + size - 1, 'WITHSCORES')
    local got = #lasts / 2
    if got == 0 then return t end
    local firsts = redis.call('ZRANGE', key, r0 + seen, r0 + seen + got - 1, 'WITHSCORES')
    for j = 1, got do
      local first, last = tonumber(firsts[2 * j]), tonumber(lasts[2 * j])
      if last - W + 1 > t then return t end
      if last - first <= W - 1 and first + W - 1 >= t then t = first + W end
    end
    if got < size then return t end
    seen = seen + got
    page = page * 4
  end
  local tail = redis.call('ZRANGE', key, -(free + 1), -(free + 1), 'WITHSCORES')
  return math.max(t, tonumber(tail[2]) + W)
end

-- A message already booked (a record replayed after a crash or a rebalance) keeps its slot.
if n > 0 then
  local existing = redis.call('ZSCORE', KEYS[1], member .. ':1')
  if existing then return { now, tonumber(existing), 0, 1 } end
end

local slot = math.max(now, tonumber(ARGV[9 + 2 * n + 2 * m] or now))
local day = 1
for _ = 1, 64 do
  local moved = false
  for i = 1, n do
    local e = earliest(i, slot)
    if e > slot then slot = e moved = true end
  end
  if slot > deadline then return { now, -1, 0 } end
  if not moved then
    if slot >= tomorrowEnd then return { now, -1, 0 } end
    day = (slot < todayEnd) and 1 or 2
    for j = 1, m do
      local key = KEYS[n + 2 * (j - 1) + day]
      local used = redis.call('GET', key)
      if not used then return { now, -3, n + 2 * (j - 1) + day } end
      if tonumber(used) + cost > caps[j] then
        if fails[j] then return { now, -2, j } end
        slot = (day == 1) and todayEnd or tomorrowEnd
        moved = true
        break
      end
    end
    if not moved then break end
  end
end
if slot > deadline then return { now, -1, 0 } end

for i = 1, n do
  for u = 1, cost do redis.call('ZADD', KEYS[i], slot, member .. ':' .. u) end
  -- Only ever lengthened: a key must outlive its latest booking (a missing key is rebuilt from sends, which cannot see bookings to come).
  local ttl = slot - now + windows[i] + 60000
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
for j = 1, m do
  local key = KEYS[n + 2 * (j - 1) + day]
  redis.call('INCRBY', key, cost)
end
return { now, slot, day, 0 }`;

export type BookingResult =
  | { readonly outcome: 'booked'; readonly now: number; readonly slot: number; readonly dailyKeys: readonly DailyBooking[]; readonly replayed: boolean }
  | { readonly outcome: 'expired'; readonly now: number }
  | { readonly outcome: 'daily_cap'; readonly now: number; readonly cap: DailyCap };

/** What a booking added to a daily counter, for the durable copy in Postgres. */
export interface DailyBooking {
  readonly scope: string;
  readonly pacificDay: string;
  readonly units: number;
}

export interface BookingRequest {
  /** The main account of the sender (the parent of a subaccount): the hash tag of every key. */
  readonly rootAccountId: string;
  readonly messageUuid: string;
  /** Times the message was handed back by carrier-dispatch for a new slot: each attempt books anew. */
  readonly attempt?: number;
  /** Set when the message is governed again after its schedule entry was lost (the record's `regoverned`): books anew. */
  readonly regoverned?: number;
  readonly cost: number;
  /** Epoch ms (on the shifted clock) before which no slot is given. */
  readonly notBefore?: number;
  /** Epoch ms (Redis time plus the clock offset) after which the message has expired. */
  readonly deadline: number;
  readonly windows: readonly WindowQuota[];
  readonly daily: readonly DailyCap[];
}

/** Reads the durable daily count for a scope and Pacific day (0 when there is none). */
export type DailyUsageSource = (scope: string, pacificDay: string) => Promise<number>;

const DAY_MS = 86_400_000;

export class QuotaBooker {
  /**
   * @param guardMs added to every window when booking. Booking only paces the schedule (the
   * carrier's windows rest on carrier-dispatch's admission at hand-off), so it can be small.
   * @param clockOffsetMs shifts Redis time, for tests that cross a Pacific midnight without waiting for one.
   * @param recentSends Postgres's record of recent sends, from which a lost window is rebuilt
   * (without it, a missing window starts empty).
   */
  constructor(
    private readonly redis: Redis,
    private readonly dailyUsage: DailyUsageSource,
    private readonly guardMs = 0,
    private readonly clockOffsetMs = 0,
    private readonly recentSends: RecentSendsSource = async () => [],
  ) {
    this.bookScript = luaScript(redis, BOOK);
    defineWindowScripts(redis);
  }

  private readonly bookScript: LuaScript;

  /** Redis time against this process's clock, measured on the booking round trips. */
  private readonly clock = new RedisClockOffset();

  /**
   * Books one message. Its script is sent before this method first waits, so bookings asked
   * for one after the other without waiting reach Redis, and are decided, in that order.
   */
  async book(request: BookingRequest): Promise<BookingResult> {
    // Only today's and tomorrow's Pacific day (the daily counters) depend on the clock here:
    // Redis time as this process estimates it, or asked of Redis near a day's end.
    const now = this.estimatedNow() ?? (await this.redisNow());
    const today = pacificDay(now);
    const tomorrow = pacificDay(today.end);
    const tag = `{acct:${request.rootAccountId}}`;
    const windowKeys = request.windows.map((w) => `${tag}:w:${w.scope}`);
    const dailyKeys = request.daily.flatMap((d) => [`${tag}:day:${d.scope}:${today.day}`, `${tag}:day:${d.scope}:${tomorrow.day}`]);
    const cost = Math.min(request.cost, ...request.windows.map((w) => w.limit));
    const args = [
      request.windows.length,
      request.daily.length,
      cost,
      request.deadline,
      bookingMember(request),
      this.clockOffsetMs,
      today.end,
      tomorrow.end,
      ...request.windows.flatMap((w) => [w.limit, w.windowMs + this.guardMs]),
      ...request.daily.flatMap((d) => [d.cap, d.overflow === 'fail' ? 1 : 0]),
      request.notBefore ?? 0,
    ];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const asked = Date.now();
      const [at, slot, detail, replayed] = (await this.bookScript(windowKeys.length + dailyKeys.length, ...windowKeys, ...dailyKeys, ...args)) as [
        number,
        number,
        number,
        number,
      ];
      this.clock.observe(asked, Date.now(), Number(at) - this.clockOffsetMs);
      if (slot >= 0) {
        if (Number(replayed) === 1) return { outcome: 'booked', now: Number(at), slot: Number(slot), dailyKeys: [], replayed: true };
        const day = Number(detail) === 1 ? today.day : tomorrow.day;
        return {
          outcome: 'booked',
          now: Number(at),
          slot: Number(slot),
          dailyKeys: request.daily.map((d) => ({ scope: d.scope, pacificDay: day, units: cost })),
          replayed: false,
        };
      }
      if (slot === -1) return { outcome: 'expired', now: Number(at) };
      if (slot === -2) return { outcome: 'daily_cap', now: Number(at), cap: entryAt(request.daily, Number(detail) - 1) };
      if (slot === -4) {
        const lengthsMs = request.windows.map((w) => w.windowMs + this.guardMs);
        await rebuildMissingWindows(this.redis, { rootAccountId: request.rootAccountId, windows: request.windows, keys: windowKeys, lengthsMs, now: Number(at), clockOffsetMs: this.clockOffsetMs }, this.recentSends);
        continue;
      }
      // A daily counter is missing (a new day, or Redis lost its data): restore it from Postgres, never overwriting.
      const keyIndex = Number(detail) - 1 - windowKeys.length;
      const cap = entryAt(request.daily, Math.floor(keyIndex / 2));
      const day = keyIndex % 2 === 0 ? today.day : tomorrow.day;
      const used = await this.dailyUsage(cap.scope, day);
      await this.redis.set(`${tag}:day:${cap.scope}:${day}`, used, 'PX', 3 * DAY_MS, 'NX');
    }
    throw new Error('quota windows or daily counters could not be restored');
  }

  private async redisNow(): Promise<number> {
    const asked = Date.now();
    const [seconds, micros] = await this.redis.time();
    const redisNow = Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
    this.clock.observe(asked, Date.now(), redisNow);
    return redisNow + this.clockOffsetMs;
  }

  /**
   * Redis time (shifted by the clock offset) by this process's clock and the measured
   * offset; null when there is no recent measurement, or when the estimate's error could put
   * it on the other side of a Pacific day's end (then Redis is asked).
   */
  private estimatedNow(): number | null {
    const local = Date.now();
    if (!this.clock.fresh(local)) return null;
    const now = this.clock.redisTimeOf(local) + this.clockOffsetMs;
    const margin = this.clock.roundTripMs + DAY_END_MARGIN_MS;
    return pacificDay(now - margin).day === pacificDay(now + margin).day ? now : null;
  }
}

/** An entry the booking script named by its index. */
function entryAt<T>(list: readonly T[], index: number): T {
  const entry = list[index];
  if (entry === undefined) throw new Error(`the booking script named entry ${index} of ${list.length}`);
  return entry;
}

/** The sorted-set member of a booking: each hand-back and each re-governing books anew. */
function bookingMember(request: BookingRequest): string {
  const attempt = request.attempt ? `#${request.attempt}` : '';
  const regoverned = request.regoverned !== undefined ? `@${request.regoverned}` : '';
  return `${request.messageUuid}${attempt}${regoverned}`;
}
