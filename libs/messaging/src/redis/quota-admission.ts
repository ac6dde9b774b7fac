// Admits a message against its window quotas at the moment it is handed to the carrier, atomically on Redis time.
import type Redis from 'ioredis';
import { defineWindowScripts, rebuildMissingWindows, type QuotaWindow, type RecordedSendsSource } from './quota-windows';
import { preciseNowMs } from '@sluice/clock';
import { RedisClockOffset } from './redis-clock';
import { luaScript, type LuaScript } from './lua-script';

/**
 * The rule of `admitAt`, `keepLineOrder` and the lanes of a line (`seedLanes`, `placeInLanes`,
 * `takeLanes`; @sluice/domain), run inside Redis so that every dispatcher sees one record of
 * hand-offs. A "sent window" holds one sorted-set entry per
 * unit handed to the carrier, plus the WINDOW_SENTINEL. A unit is admitted in flight, scored
 * `pending` ms ahead of now, so it counts wherever it lands until `SETTLE` puts it at the
 * carrier's answer: the carrier received the submit then or before, so every unit is counted
 * from no earlier than its arrival and no window at the carrier can hold more than the limit,
 * whatever the delays on the way. Only in-flight units are ahead of now, so `cost` units fit
 * when everything counted after now − length leaves room for them. Windows are counted
 * `guard` longer than the quota (an operator's margin; no delay needs it).
 *
 * A quota's line is the messages it refused, given places at its rate: one lane per unit of the
 * limit, a sorted set of the place (line time) from which each lane is free again. A message
 * takes the lanes free first and goes at the latest of them; each is then free a window after
 * that place, so unit n of a line goes a window after unit n − limit. The line starts from the
 * quota's window (a unit frees its lane a window after it is counted, one in flight no earlier
 * than now + length, and unused lanes are free now), so a backlog goes at the full rate the
 * window allows, in bursts behind a burst and evenly behind an even flow. Its shift is how far
 * it has fallen behind (`keepLineOrder`): real time = line time + shift. A message not yet in
 * line (`inLine` 0) whose quota's line gives places more than `near` ahead goes into it even if
 * there is room now, so a backlog (after a carrier outage, say) goes out first come first
 * served and not after whatever the governor booked later; one whose place is nearer is judged
 * on room now and takes its lanes at the time it is admitted for. A message refused with no
 * place takes its lanes at its retry, however near: every message of a backlog counts in its
 * line, and no two are told the same time for one lane. A message in line comes back at its
 * place plus the shift; finding no room then, it is told the earliest time and the shift grows
 * by its wait, so the messages behind it keep their order and spacing. A line whose lanes are
 * all free has ended, and has no shift.
 *
 * KEYS: the sent-window keys (n), the line's lanes of each (n), the line shift of each (n).
 * ARGV: n, cost, member, deadline (Redis ms, 0: none), near (ms), pending (ms), inLine (0/1),
 * place (the message's place in line, line time; 0: none), then limit and counted length per
 * window. The time a window takes beyond its length (a unit counts from the carrier's answer)
 * is not guessed but taken up by the shift, as it comes.
 *
 * Room at most `near` away is given at once (`admitAt`'s `aheadMs`): the units are recorded in
 * flight now and the message is admitted for the time the room comes, which the caller waits
 * for before writing. That room must be certain: the units that leave first are counted from
 * their answer. A message in line whose place is at most `near` ahead is judged now, so the
 * line moves as fast as room comes and no faster.
 *
 * Returns {now, outcome, detail, place, ...}: outcome 1 admitted, detail = the Redis time it
 * is admitted for (no hand-off before it), then for each window whose room it waited for, the
 * window's index and the unit that had to leave first; 0 refused, detail = when to try again,
 * place = the message's place in line (0: none); -1 that time is past the deadline (detail =
 * it), nothing recorded; -4 a window key is missing (detail = its index), to be rebuilt from
 * Postgres first.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
-- Times keep their microseconds: on the way back, and in a bound (Lua's own number format keeps 14 digits).
local function ms(x) return string.format('%.3f', x) end
local function after(x) return string.format('(%.3f', x) end
local n, cost, member, deadline, near, pending = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local place = tonumber(ARGV[8])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 0 then return { ms(now), -4, i, 0 } end
end
-- fronts[i]: the place quota i's line gives this message (its cost-th free lane, line time); nil: no line.
local limits, lengths, fronts, shifts, refusing = {}, {}, {}, {}, {}
local shift = 0
for i = 1, n do
  limits[i] = tonumber(ARGV[7 + 2 * i])
  lengths[i] = tonumber(ARGV[8 + 2 * i])
  shifts[i] = tonumber(redis.call('GET', KEYS[2 * n + i]) or '0')
  local last = redis.call('ZRANGE', KEYS[n + i], -1, -1, 'WITHSCORES')
  if last[2] == nil or tonumber(last[2]) + shifts[i] <= now or redis.call('ZCARD', KEYS[n + i]) ~= limits[i] then
    -- No line, or one whose lanes are all free (or kept for another limit): the next starts on Redis time, with no drift.
    if last[2] ~= nil then redis.call('DEL', KEYS[n + i]) end
    if shifts[i] > 0 then redis.call('DEL', KEYS[2 * n + i]) end
    shifts[i] = 0
  else
    fronts[i] = tonumber(redis.call('ZRANGE', KEYS[n + i], cost - 1, cost - 1, 'WITHSCORES')[2])
  end
  if shifts[i] > shift then shift = shifts[i] end
end
local function keep(i, last)
  redis.call('PEXPIRE', KEYS[n + i], math.ceil(last + shifts[i] - now + lengths[i] + 60000))
end
-- Quota i's line starts from its window: a unit frees its lane a window after it is counted
-- (one in flight no earlier than a window from now); the lanes it does not use are free now.
-- Written when the message takes its place in it.
local seeded = {}
local function seed(i)
  local units = redis.call('ZRANGEBYSCORE', KEYS[i], after(now - lengths[i]), '+inf', 'WITHSCORES')
  local count = #units / 2
  local skip = math.max(0, count - limits[i])
  local lanes = {}
  for k = 1, limits[i] - (count - skip) do lanes[#lanes + 1] = now - shifts[i] end
  for k = skip + 1, count do lanes[#lanes + 1] = math.min(tonumber(units[2 * k]), now) + lengths[i] - shifts[i] end
  seeded[i] = lanes
  fronts[i] = lanes[cost]
end
-- The message takes its place (line time) in quota i's line: its lanes are free a window after it.
local function take(i, at)
  if seeded[i] then
    local lanes = seeded[i]
    -- In slices: Lua unpacks a few thousand values at most.
    for from = 1, #lanes, 500 do
      local args = {}
      for k = from, math.min(from + 499, #lanes) do
        args[#args + 1] = ms(lanes[k])
        args[#args + 1] = 'lane:' .. k
      end
      redis.call('ZADD', KEYS[n + i], unpack(args))
    end
    seeded[i] = nil
  end
  redis.call('ZPOPMIN', KEYS[n + i], cost)
  for u = 1, cost do redis.call('ZADD', KEYS[n + i], ms(at + lengths[i]), member .. ':' .. u) end
  local last = tonumber(redis.call('ZRANGE', KEYS[n + i], -1, -1, 'WITHSCORES')[2])
  keep(i, last)
end
-- A newcomer whose place in a line is within near is judged on room now, and takes its lanes
-- when it is admitted or placed: every newcomer counts in a line that exists.
if ARGV[7] == '0' then
  local lines, due = {}, 0
  for i = 1, n do
    if fronts[i] ~= nil and fronts[i] + shifts[i] > now + near then
      lines[#lines + 1] = i
      if fronts[i] + shifts[i] > due then due = fronts[i] + shifts[i] end
    end
  end
  if #lines > 0 then
    if deadline > 0 and due > deadline then return { ms(now), -1, ms(due), ms(0) } end
    for _, i in ipairs(lines) do take(i, due - shifts[i]) end
    return { ms(now), 0, ms(due), ms(due - shift) }
  end
end
-- Its line fell behind since it was given its place: it keeps its place, later by as much. Within
-- near of its turn it is judged now, as room comes: the line moves at the carrier's pace.
if ARGV[7] == '1' and place > 0 and place + shift - now > near then
  if deadline > 0 and place + shift > deadline then return { ms(now), -1, ms(place + shift), ms(0) } end
  return { ms(now), 0, ms(place + shift), ms(place) }
end
-- room: when every window has room for certain (the units that must leave first are counted
-- from their answer). earliest: when to ask again (a unit in flight is answered no earlier than now).
local earliest, room = now, now
local bounds = {}
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '(0', now - lengths[i])
  local used = redis.call('ZCOUNT', KEYS[i], after(now - lengths[i]), '+inf')
  local over = used + cost - limits[i]
  if over > 0 then
    local leaving = redis.call('ZRANGEBYSCORE', KEYS[i], after(now - lengths[i]), '+inf', 'WITHSCORES', 'LIMIT', over - 1, 1)
    local score = leaving[2] and tonumber(leaving[2]) or now
    if math.min(score, now) + lengths[i] > earliest then earliest = math.min(score, now) + lengths[i] end
    if score + lengths[i] > room then room = score + lengths[i] end
    refusing[#refusing + 1] = i
    if leaving[1] then
      bounds[#bounds + 1] = i
      bounds[#bounds + 1] = leaving[1]
    end
  end
end
-- A message in line that waits at its turn puts its line behind by as much, so the messages
-- after it keep their order and spacing instead of all coming back when the room does.
local function behind(until_)
  if ARGV[7] ~= '1' or place == 0 then return end
  for _, i in ipairs(refusing) do
    if fronts[i] ~= nil and until_ > place + shift then
      shifts[i] = shifts[i] + until_ - (place + shift)
      local last = tonumber(redis.call('ZRANGE', KEYS[n + i], -1, -1, 'WITHSCORES')[2])
      redis.call('SET', KEYS[2 * n + i], ms(shifts[i]), 'PX', math.ceil(last + shifts[i] - now + lengths[i] + 60000))
      keep(i, last)
    end
  end
end
if room - now <= near then
  -- Room now or within near: admitted for that time, its units in flight from now on.
  if deadline > 0 and room > deadline then return { ms(now), -1, ms(room), ms(0) } end
  behind(room)
  for i = 1, n do
    for u = 1, cost do redis.call('ZADD', KEYS[i], now + pending, member .. ':' .. u) end
    redis.call('PEXPIRE', KEYS[i], lengths[i] + pending + 60000)
    -- A newcomer whose turn in a line has come takes its lanes, at the time it goes.
    if ARGV[7] == '0' and fronts[i] ~= nil then take(i, room - shifts[i]) end
  end
  return { ms(now), 1, ms(room), ms(0), unpack(bounds) }
end
if deadline > 0 and earliest > deadline then return { ms(now), -1, ms(earliest), ms(0) } end
if ARGV[7] == '1' then
  if place == 0 then return { ms(now), 0, ms(earliest), ms(0) } end
  behind(earliest)
  return { ms(now), 0, ms(earliest), ms(place) }
end
local retry = earliest
for _, i in ipairs(refusing) do
  if fronts[i] == nil then seed(i) end
  if fronts[i] + shifts[i] > retry then retry = fronts[i] + shifts[i] end
end
if deadline > 0 and retry > deadline then return { ms(now), -1, ms(retry), ms(0) } end
for _, i in ipairs(refusing) do take(i, retry - shifts[i]) end
return { ms(now), 0, ms(retry), ms(retry - shift) }`;

/** KEYS: the sent-window keys. ARGV: member, cost. Takes back the units of an admission whose submit never reached the carrier. */
const RELEASE = `
for i = 1, #KEYS do
  for u = 1, tonumber(ARGV[2]) do redis.call('ZREM', KEYS[i], ARGV[1] .. ':' .. u) end
end
return 1`;

/**
 * KEYS: the sent-window keys. ARGV: member, cost. Counts an admission's units still there from
 * Redis now, and returns it. (A time known to the caller is set with plain ZADD XX, `settle`.)
 */
const SETTLE = `
local t = redis.call('TIME')
local at = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
for i = 1, #KEYS do
  for u = 1, tonumber(ARGV[2]) do redis.call('ZADD', KEYS[i], 'XX', at, ARGV[1] .. ':' .. u) end
end
return string.format('%.3f', at)`;

export interface AdmissionRequest {
  /** The main account of the sender: the hash tag of every key (as the governor's bookings). */
  readonly rootAccountId: string;
  readonly messageUuid: string;
  /** Units of the message: each counts against every window. */
  readonly cost: number;
  /** Epoch ms (Redis time) after which the message has expired; a retry later than it is not given. */
  readonly deadline: number;
  readonly windows: readonly QuotaWindow[];
  /** The message has a place in its quotas' line already (a refusal gave it its retry time). */
  readonly inLine?: boolean;
  /** Its place in that line (line time, Redis ms), as a refusal gave it. */
  readonly linePlace?: number;
}

/** An admission's record in the sent windows, which `release` takes back. */
export interface Admission {
  readonly keys: readonly string[];
  readonly member: string;
  readonly cost: number;
}

export type AdmissionResult =
  /**
   * `at` (Redis ms, ≥ now): the message must not be handed over before it; `handOffAt`, the
   * moment on this process's clock from which it may be (see `QuotaAdmission.admit`).
   */
  | { readonly outcome: 'admitted'; readonly now: number; readonly at: number; readonly handOffAt: number; readonly admission: Admission }
  | {
      readonly outcome: 'refused';
      readonly now: number;
      readonly retryAt: number;
      /** The message's place in its quotas' line (line time), to be given back when it asks again; absent when it has none. */
      readonly linePlace?: number;
    }
  | { readonly outcome: 'expired'; readonly now: number; readonly earliest: number };

/** How much longer than the longest window an answer is kept: past that, its unit has left every window. */
const ANSWER_KEPT_BEYOND_WINDOW_MS = 1_000;

/** `QuotaAdmission.keepClockTight`'s measurements: the connection, the interval, the timer while armed. */
interface ClockSampler {
  readonly clockRedis: Redis;
  readonly everyMs: number;
  timer: NodeJS.Timeout | null;
  sampling: boolean;
}

/** How long after the last admission asked for the clock is still measured on round trips of its own. */
const CLOCK_SAMPLING_AFTER_ASK_MS = 2_000;

export class QuotaAdmission {
  private sequence = 0;
  /** Redis time against this process's clock, measured on the admission round trips (and `keepClockTight`'s). */
  private readonly clock = new RedisClockOffset();
  /** When an admission was last asked for (this process's clock). */
  private lastAskedAt = Number.NEGATIVE_INFINITY;
  /** The clock's own measurements (`keepClockTight`), when asked for. */
  private clockSampler: ClockSampler | null = null;
  /**
   * Rebuilds of missing windows under way, by their keys: the admissions of one account that
   * find its windows gone together (every account's, after a carrier outage longer than their
   * expiry) wait for one rebuild, one Postgres read, and then go in the order they asked; one
   * asking meanwhile waits behind them, so it does not take the room they were first to.
   */
  private readonly rebuilding = new Map<string, Promise<void>>();
  /**
   * The carrier's answers this process read, on its own clock, by admission member, for as
   * long as they can hold a window's room back (oldest first; see `admit`).
   */
  private readonly answered = new Map<string, number>();
  /** The longest window counted here (ms): an answer older than that holds no room back. */
  private longestWindowMs = 0;

  /**
   * @param guardMs added to every window: a margin of the operator's; units are counted
   * from the carrier's answer to their submit, so no delay on the way needs it.
   * @param pendingMs how long a unit admitted and never settled (its dispatcher died) counts
   * as in flight; then it counts from that moment, as if the carrier had answered then.
   * @param recentSends Postgres's record of recent sends, from which a lost window is
   * rebuilt (without it, a missing window starts empty).
   * @param nearMs room at most this far away is given at once, for that time (the caller
   * waits for it before writing); a line that ends within it does not hold a newcomer back.
   */
  constructor(
    private readonly redis: Redis,
    private readonly guardMs: number,
    private readonly pendingMs: number,
    private readonly recentSends: RecordedSendsSource = async () => [],
    private readonly nearMs = 100,
  ) {
    this.scripts = { admit: luaScript(redis, ADMIT), settle: luaScript(redis, SETTLE), release: luaScript(redis, RELEASE) };
    defineWindowScripts(redis);
  }

  private readonly scripts: { readonly admit: LuaScript; readonly settle: LuaScript; readonly release: LuaScript };

  /** The key of a quota's sent window (one Redis Cluster slot per root account, as the bookings). */
  static windowKey(rootAccountId: string, scope: string): string {
    return `{acct:${rootAccountId}}:sent:${scope}`;
  }

  /** The key of a quota's line: its lanes, each the place from which it is free again (same slot as the window). */
  static lanesKey(rootAccountId: string, scope: string): string {
    return `{acct:${rootAccountId}}:sent-lanes:${scope}`;
  }

  /** The key of a quota's line shift: how far the line has fallen behind (same slot as the window). */
  static shiftKey(rootAccountId: string, scope: string): string {
    return `{acct:${rootAccountId}}:sent-shift:${scope}`;
  }

  async admit(request: AdmissionRequest): Promise<AdmissionResult> {
    const keys = request.windows.map((w) => QuotaAdmission.windowKey(request.rootAccountId, w.scope));
    const lanes = request.windows.map((w) => QuotaAdmission.lanesKey(request.rootAccountId, w.scope));
    const shifts = request.windows.map((w) => QuotaAdmission.shiftKey(request.rootAccountId, w.scope));
    const lengthsMs = request.windows.map((w) => w.windowMs + this.guardMs);
    this.longestWindowMs = Math.max(this.longestWindowMs, ...lengthsMs);
    const cost = Math.max(1, Math.min(request.cost, ...request.windows.map((w) => w.limit)));
    // Each admission is its own record: a message admitted again (after a crash) never moves an earlier hand-off.
    this.sequence = (this.sequence + 1) % 1_000_000_000;
    const member = `${request.messageUuid}#${process.pid}.${this.sequence}`;
    const args = [request.windows.length, cost, member, request.deadline, this.nearMs, this.pendingMs, request.inLine ? 1 : 0, request.inLine ? Math.max(0, request.linePlace ?? 0) : 0, ...request.windows.flatMap((w, i) => [w.limit, lengthsMs[i] ?? w.windowMs])];
    const windowsId = keys.join(' ');
    for (let attempt = 0; attempt < 8; attempt += 1) {
      // Behind a rebuild of these windows under way: the admissions that found them missing asked first, and go first.
      const rebuilding = this.rebuilding.get(windowsId);
      if (rebuilding) await rebuilding.catch(() => undefined);
      const asked = preciseNowMs();
      this.lastAskedAt = asked;
      this.armClockSampling();
      const reply = (await this.scripts.admit(keys.length * 3, ...keys, ...lanes, ...shifts, ...args)) as unknown[];
      const [now, outcome, detail, place] = reply.slice(0, 4).map(Number) as [number, number, number, number];
      this.clock.observe(asked, preciseNowMs(), now);
      if (outcome === 1) return { outcome: 'admitted', now, at: detail, handOffAt: this.handOffFor(detail, reply.slice(4), lengthsMs), admission: { keys, member, cost } };
      if (outcome === 0) return { outcome: 'refused', now, retryAt: detail, ...(place > 0 ? { linePlace: place } : {}) };
      if (outcome === -1) return { outcome: 'expired', now, earliest: detail };
      await this.rebuild(windowsId, () => rebuildMissingWindows(this.redis, { rootAccountId: request.rootAccountId, windows: request.windows, keys, lengthsMs, now }, this.recentSends));
    }
    throw new Error('sent windows could not be restored');
  }

  /**
   * When, on this process's clock, a message admitted for Redis time `at` may be handed over.
   * `at` is the latest room of its windows, each a window after the unit that had to leave
   * first, counted from (the latest Redis time of) the carrier's answer to it: on a clock
   * measured against Redis's, the hand-off then waits out that bound twice, once for the
   * answer and once for the moment. A unit whose answer this process read itself needs
   * neither: the hand-off is a window after the answer on this clock. `bounds` are the Lua
   * reply's pairs of window index and leaving unit (`member:unit`).
   */
  private handOffFor(at: number, bounds: readonly unknown[], lengthsMs: readonly number[]): number {
    const surely = this.handOffAt(at);
    if (bounds.length === 0) return surely;
    let latest = Number.NEGATIVE_INFINITY;
    for (let k = 0; k + 1 < bounds.length; k += 2) {
      const lengthMs = lengthsMs[Number(bounds[k]) - 1];
      const unit = String(bounds[k + 1]);
      const answeredAt = this.answered.get(unit.slice(0, unit.lastIndexOf(':')));
      // Another process's unit (or one rebuilt from Postgres): only Redis time can tell.
      if (answeredAt === undefined || lengthMs === undefined) return surely;
      latest = Math.max(latest, answeredAt + lengthMs);
    }
    return Math.min(surely, latest);
  }

  /** Runs `rebuild` for these windows (their keys, joined) unless a rebuild of them is under way already, and waits for the one that is. */
  private rebuild(id: string, rebuild: () => Promise<void>): Promise<void> {
    const running = this.rebuilding.get(id);
    if (running) return running;
    const started = rebuild().finally(() => this.rebuilding.delete(id));
    this.rebuilding.set(id, started);
    return started;
  }

  /**
   * Counts an admission's units from the carrier's answer to its (last) submit: `answeredAt`
   * on this process's clock (`preciseNowMs`), or Redis now when not given. The time is taken at the latest
   * the clock offset allows, so it is never before the answer. Returns it (Redis ms).
   */
  async settle(admission: Admission, answeredAt?: number): Promise<number> {
    if (admission.keys.length === 0) return 0;
    if (answeredAt === undefined || !Number.isFinite(this.clock.roundTripMs)) {
      return Number(await this.scripts.settle(admission.keys.length, ...admission.keys, admission.member, admission.cost));
    }
    this.rememberAnswer(admission, answeredAt);
    const at = this.clock.latestRedisTimeOf(answeredAt).toFixed(3);
    // The time is known: one ZADD XX a window, no script. Each window is settled on its own; one
    // left unsettled (the process died in between) counts its units in flight: longer, never less.
    const scored: string[] = [];
    for (let unit = 1; unit <= admission.cost; unit += 1) scored.push(at, `${admission.member}:${unit}`);
    await Promise.all(admission.keys.map((key) => this.redis.zadd(key, 'XX', ...scored)));
    return Number(at);
  }

  /** Keeps the answer to an admission's submit for as long as it can hold a window's room back. */
  private rememberAnswer(admission: Admission, answeredAt: number): void {
    this.answered.delete(admission.member);
    this.answered.set(admission.member, answeredAt);
    const horizon = preciseNowMs() - this.longestWindowMs - ANSWER_KEPT_BEYOND_WINDOW_MS;
    for (const [member, at] of this.answered) {
      if (at >= horizon) break;
      this.answered.delete(member);
    }
  }

  /**
   * The moment on this process's clock (`preciseNowMs`) from which Redis time is surely
   * `redisMs` or later: the offset is known to half its round trip, widened by the drift since.
   */
  handOffAt(redisMs: number): number {
    return this.clock.surelyReached(redisMs);
  }

  /**
   * Measures the clock offset every `everyMs` on round trips of its own (`TIME` alone on a
   * connection of its own, `clockRedis`) while admissions are being asked for (within the last
   * 2 s). An admission's round trip waits behind the others on its connection and runs a
   * script, and half of it goes into every settled time and hand-off: a quiet `TIME` is
   * a fraction of it. Returns what stops it.
   */
  keepClockTight(clockRedis: Redis, everyMs: number): () => void {
    const sampler: ClockSampler = { clockRedis, everyMs, timer: null, sampling: false };
    this.clockSampler = sampler;
    if (preciseNowMs() - this.lastAskedAt <= CLOCK_SAMPLING_AFTER_ASK_MS) this.armClockSampling();
    return () => {
      if (sampler.timer) clearInterval(sampler.timer);
      sampler.timer = null;
      if (this.clockSampler === sampler) this.clockSampler = null;
    };
  }

  /** Whether the clock's own measurements have a timer armed now (none while no admission is asked for). */
  get clockSamplingArmed(): boolean {
    return this.clockSampler?.timer != null;
  }

  /**
   * Starts the measurements `keepClockTight` asked for, unless they are running. The timer
   * stops itself once no admission has been asked for within 2 s, and the next admission
   * starts it again: an idle process keeps no timer for them.
   */
  private armClockSampling(): void {
    const sampler = this.clockSampler;
    if (!sampler || sampler.timer) return;
    const timer = setInterval(() => {
      if (preciseNowMs() - this.lastAskedAt > CLOCK_SAMPLING_AFTER_ASK_MS) {
        clearInterval(timer);
        if (sampler.timer === timer) sampler.timer = null;
        return;
      }
      if (sampler.sampling) return;
      sampler.sampling = true;
      const asked = preciseNowMs();
      sampler.clockRedis
        .time()
        .then(([seconds, micros]) => this.clock.observe(asked, preciseNowMs(), Number(seconds) * 1000 + Number(micros) / 1000))
        // A missed measurement leaves the last one in use, its bound widening with its age.
        .catch(() => undefined)
        .finally(() => (sampler.sampling = false));
    }, sampler.everyMs);
    timer.unref();
    sampler.timer = timer;
  }


  /** How far this process's reading of Redis time may be off now (infinite before the first admission): each settled time and hand-off carries it. */
  clockUncertaintyMs(): number {
    return this.clock.uncertaintyAt(preciseNowMs());
  }

  /** The Redis time of a moment on this process's clock, by the offset measured on the admission round trips. */
  redisTimeOf(localMs: number): number {
    return this.clock.redisTimeOf(localMs);
  }

  /** Takes an admission back: its submit was never written to the carrier. */
  async release(admission: Admission): Promise<void> {
    if (admission.keys.length === 0) return;
    await this.scripts.release(admission.keys.length, ...admission.keys, admission.member, admission.cost);
  }
}
