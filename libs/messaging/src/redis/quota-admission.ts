// Admits a message against its window quotas at the moment it is handed to the carrier, atomically on Redis time.
import type Redis from 'ioredis';
import { rebuildMissingWindows, type QuotaWindow, type RecordedSendsSource } from './quota-windows';
import { RedisClockOffset } from './redis-clock';

/**
 * The rule of `admitAt` and `spacedRetry` (@sluice/domain), run inside Redis so that every
 * dispatcher sees one record of hand-offs. A "sent window" holds one sorted-set entry per
 * unit handed to the carrier, plus the WINDOW_SENTINEL. A unit is admitted in flight, scored
 * `pending` ms ahead of now, so it counts wherever it lands until `SETTLE` puts it at the
 * carrier's answer: the carrier received the submit then or before, so every unit is counted
 * from no earlier than its arrival and no window at the carrier can hold more than the limit,
 * whatever the delays on the way. Only in-flight units are ahead of now, so `cost` units fit
 * when everything counted after now − length leaves room for them. Windows are counted
 * `guard` longer than the quota (an operator's margin; no delay needs it).
 *
 * A quota's retry cursor is the end of its line: the messages it refused, spaced at its rate.
 * A message not yet in line (`inLine` 0) whose quota has a line ending more than `near` ahead
 * goes to the end of it even if there is room now, so a backlog (after a carrier outage, say)
 * goes out first come first served and not after whatever the governor booked later. A
 * message in line that finds no room keeps its place: it is told the earliest time alone.
 *
 * KEYS: the sent-window keys (n), then the retry cursor of each (n).
 * ARGV: n, cost, member, deadline (Redis ms, 0: none), near (ms), pending (ms), inLine (0/1),
 * extra (ms a window takes beyond its length: a unit counts from the carrier's answer, so the
 * line moves on by cost × (length + extra) / limit), then limit and counted length per window. Returns {now, outcome, detail}: outcome 1 admitted; 0 refused,
 * detail = when to try again: the earliest admissible time when it is at most `near` away
 * (the caller waits for it and asks again; no cursor moves), else that time or the refusing
 * quotas' cursor if later, which then moves on by cost × length / limit; -1 that time is past
 * the deadline (detail = it), nothing recorded; -4 a window key is missing (detail = its
 * index), to be rebuilt from Postgres first.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n, cost, member, deadline, near, pending = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local extra = tonumber(ARGV[8])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 0 then return { now, -4, i } end
end
local limits, lengths, refusing = {}, {}, {}
for i = 1, n do
  limits[i] = tonumber(ARGV[7 + 2 * i])
  lengths[i] = tonumber(ARGV[8 + 2 * i])
end
if ARGV[7] == '0' then
  local lines, back = {}, 0
  for i = 1, n do
    local cursor = tonumber(redis.call('GET', KEYS[n + i]) or '0')
    if cursor > now + near then
      lines[#lines + 1] = i
      if cursor > back then back = cursor end
    end
  end
  if #lines > 0 then
    if deadline > 0 and back > deadline then return { now, -1, back } end
    for _, i in ipairs(lines) do
      local moved = back + math.ceil(cost * (lengths[i] + extra) / limits[i])
      redis.call('SET', KEYS[n + i], moved, 'PX', moved - now + lengths[i] + 60000)
    end
    return { now, 0, back }
  end
end
local earliest = now
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '(0', now - lengths[i])
  local used = redis.call('ZCOUNT', KEYS[i], now - lengths[i] + 1, '+inf')
  local over = used + cost - limits[i]
  if over > 0 then
    local leaving = redis.call('ZRANGEBYSCORE', KEYS[i], now - lengths[i] + 1, '+inf', 'WITHSCORES', 'LIMIT', over - 1, 1)
    -- A unit in flight is answered no earlier than now.
    local from = leaving[2] and math.min(tonumber(leaving[2]), now) or now
    if from + lengths[i] > earliest then earliest = from + lengths[i] end
    refusing[#refusing + 1] = i
  end
end
if #refusing == 0 then
  for i = 1, n do
    for u = 1, cost do redis.call('ZADD', KEYS[i], now + pending, member .. ':' .. u) end
    redis.call('PEXPIRE', KEYS[i], lengths[i] + pending + 60000)
  end
  return { now, 1, 0 }
end
if deadline > 0 and earliest > deadline then return { now, -1, earliest } end
if earliest - now <= near then return { now, 0, earliest } end
-- A message in line keeps its place: it comes back when there is room, and no cursor moves.
if ARGV[7] == '1' then return { now, 0, earliest } end
local retry = earliest
for _, i in ipairs(refusing) do
  local cursor = tonumber(redis.call('GET', KEYS[n + i]) or '0')
  if cursor > retry then retry = cursor end
end
if deadline > 0 and retry > deadline then return { now, -1, retry } end
for _, i in ipairs(refusing) do
  local moved = retry + math.ceil(cost * (lengths[i] + extra) / limits[i])
  redis.call('SET', KEYS[n + i], moved, 'PX', moved - now + lengths[i] + 60000)
end
return { now, 0, retry }`;

/** KEYS: the sent-window keys. ARGV: member, cost. Takes back the units of an admission whose submit never reached the carrier. */
const RELEASE = `
for i = 1, #KEYS do
  for u = 1, tonumber(ARGV[2]) do redis.call('ZREM', KEYS[i], ARGV[1] .. ':' .. u) end
end
return 1`;

/**
 * KEYS: the sent-window keys. ARGV: member, cost, time (Redis ms; 0: now). Counts an
 * admission's units still there from that time (the carrier's answer); returns the time.
 */
const SETTLE = `
local at = tonumber(ARGV[3])
if at == 0 then
  local t = redis.call('TIME')
  at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
for i = 1, #KEYS do
  for u = 1, tonumber(ARGV[2]) do redis.call('ZADD', KEYS[i], 'XX', at, ARGV[1] .. ':' .. u) end
end
return at`;

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
  /** How much longer than its length a window takes to pass, lately (the time from admission to the carrier's answer): spaces the line. */
  readonly windowExtraMs?: number;
}

/** An admission's record in the sent windows, which `release` takes back. */
export interface Admission {
  readonly keys: readonly string[];
  readonly member: string;
  readonly cost: number;
}

export type AdmissionResult =
  | { readonly outcome: 'admitted'; readonly now: number; readonly admission: Admission }
  | { readonly outcome: 'refused'; readonly now: number; readonly retryAt: number; readonly near: boolean }
  | { readonly outcome: 'expired'; readonly now: number; readonly earliest: number };

export class QuotaAdmission {
  private sequence = 0;
  /** Redis time against this process's clock, measured on the admission round trips. */
  private readonly clock = new RedisClockOffset();

  /**
   * @param guardMs added to every window: a margin of the operator's; units are counted
   * from the carrier's answer to their submit, so no delay on the way needs it.
   * @param pendingMs how long a unit admitted and never settled (its dispatcher died) counts
   * as in flight; then it counts from that moment, as if the carrier had answered then.
   * @param recentSends Postgres's record of recent sends, from which a lost window is
   * rebuilt (without it, a missing window starts empty).
   * @param nearMs a refusal whose earliest admissible time is at most this far away is
   * answered with that time alone (`near`): the caller waits and asks again, and the retry
   * cursors, which spread a real backlog, are left alone.
   */
  constructor(
    private readonly redis: Redis,
    private readonly guardMs: number,
    private readonly pendingMs: number,
    private readonly recentSends: RecordedSendsSource = async () => [],
    private readonly nearMs = 100,
  ) {}

  /** The key of a quota's sent window (one Redis Cluster slot per root account, as the bookings). */
  static windowKey(rootAccountId: string, scope: string): string {
    return `{acct:${rootAccountId}}:sent:${scope}`;
  }

  async admit(request: AdmissionRequest): Promise<AdmissionResult> {
    const keys = request.windows.map((w) => QuotaAdmission.windowKey(request.rootAccountId, w.scope));
    const cursors = request.windows.map((w) => `{acct:${request.rootAccountId}}:sent-cursor:${w.scope}`);
    const lengthsMs = request.windows.map((w) => w.windowMs + this.guardMs);
    const cost = Math.max(1, Math.min(request.cost, ...request.windows.map((w) => w.limit)));
    // Each admission is its own record: a message admitted again (after a crash) never moves an earlier hand-off.
    this.sequence = (this.sequence + 1) % 1_000_000_000;
    const member = `${request.messageUuid}#${process.pid}.${this.sequence}`;
    const args = [request.windows.length, cost, member, request.deadline, this.nearMs, this.pendingMs, request.inLine ? 1 : 0, Math.max(0, Math.round(request.windowExtraMs ?? 0)), ...request.windows.flatMap((w, i) => [w.limit, lengthsMs[i] ?? w.windowMs])];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const asked = Date.now();
      const [now, outcome, detail] = ((await this.redis.eval(ADMIT, keys.length * 2, ...keys, ...cursors, ...args)) as [number, number, number]).map(Number) as [
        number,
        number,
        number,
      ];
      this.clock.observe(asked, Date.now(), now);
      if (outcome === 1) return { outcome: 'admitted', now, admission: { keys, member, cost } };
      if (outcome === 0) return { outcome: 'refused', now, retryAt: detail, near: detail - now <= this.nearMs };
      if (outcome === -1) return { outcome: 'expired', now, earliest: detail };
      await rebuildMissingWindows(this.redis, { rootAccountId: request.rootAccountId, windows: request.windows, keys, lengthsMs, now }, this.recentSends);
    }
    throw new Error('sent windows could not be restored');
  }

  /**
   * Counts an admission's units from the carrier's answer to its (last) submit: `answeredAt`
   * on this process's clock, or Redis now when not given. The time is taken at the latest
   * the clock offset allows, so it is never before the answer. Returns it (Redis ms).
   */
  async settle(admission: Admission, answeredAt?: number): Promise<number> {
    if (admission.keys.length === 0) return 0;
    const known = answeredAt !== undefined && Number.isFinite(this.clock.roundTripMs);
    const at = known ? Math.ceil(this.redisTimeOf(answeredAt) + this.clock.roundTripMs / 2) + 1 : 0;
    return Number(await this.redis.eval(SETTLE, admission.keys.length, ...admission.keys, admission.member, admission.cost, at));
  }

  /** The Redis time of a moment on this process's clock, by the offset measured on the admission round trips. */
  redisTimeOf(localMs: number): number {
    return this.clock.redisTimeOf(localMs);
  }

  /** Takes an admission back: its submit was never written to the carrier. */
  async release(admission: Admission): Promise<void> {
    if (admission.keys.length === 0) return;
    await this.redis.eval(RELEASE, admission.keys.length, ...admission.keys, admission.member, admission.cost);
  }
}
