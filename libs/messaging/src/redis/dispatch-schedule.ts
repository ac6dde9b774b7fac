// The dispatch schedule in Redis: jobs due at a time, claimed under a lease so a crashed dispatcher hands them back.
import type { DispatchJob } from '@sluice/contracts';
import type Redis from 'ioredis';
import { luaScript, type LuaScript } from './lua-script';

/** One hash tag: the keys live in one Redis Cluster slot, as the scripts need. */
const PREFIX = '{sluice:schedule}';
export const SCHEDULE_KEYS = {
  due: `${PREFIX}:due`,
  leased: `${PREFIX}:leased`,
  jobs: `${PREFIX}:jobs`,
  /** Jobs on the schedule per account (due or claimed). */
  backlog: `${PREFIX}:backlog`,
  /** Jobs with a place in their quotas' line (`inLine`), by due time: claimed before the others. */
  line: `${PREFIX}:line`,
} as const;

/** Pub/sub channel: a job became the schedule's earliest (its due time is the message), so idle dispatchers wake for it. */
export const SCHEDULE_WAKE_CHANNEL = `${PREFIX}:wake`;

const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Whether a job's json has a place in line: such a job is kept in the line set. */
const IN_LINE = `local function inLine(job) return job ~= false and string.find(job, '"inLine":true', 1, true) ~= nil end`;

/**
 * KEYS: due, leased, jobs, line. ARGV: max jobs, lease ms, ahead ms. Returns [now, job json...].
 * Jobs with a place in line first: a backlog that has none yet (everything overdue after a
 * carrier outage, say) is given places meanwhile, and must not hold back the turns of the line.
 */
const CLAIM = `
${NOW_MS}
${IN_LINE}
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  if inLine(redis.call('HGET', KEYS[3], id)) then redis.call('ZADD', KEYS[4], now, id) else redis.call('ZADD', KEYS[1], now, id) end
end
local ahead, max = tonumber(ARGV[3]), tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now + ahead, 'LIMIT', 0, max)
if #ids < max then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now + ahead, 'LIMIT', 0, max - #ids)) do ids[#ids + 1] = id end
end
local out = { now }
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[4], id)
  local job = redis.call('HGET', KEYS[3], id)
  if job then
    redis.call('ZADD', KEYS[2], now + ahead + tonumber(ARGV[2]), id)
    table.insert(out, job)
  end
end
return out`;

/**
 * KEYS: due, leased, jobs, backlog, line. ARGV: id, due at (ms), job json, only if absent
 * (1/0), account, wake channel (told when the job is now the earliest). A job with a place in
 * line goes to the line set, any other to the due set.
 */
const PUT = `
${IN_LINE}
local exists = redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1
if ARGV[4] == '1' and exists then return 0 end
if not exists then redis.call('HINCRBY', KEYS[4], ARGV[5], 1) end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
local into, other = KEYS[1], KEYS[5]
if inLine(ARGV[3]) then into, other = KEYS[5], KEYS[1] end
redis.call('ZREM', other, ARGV[1])
redis.call('ZADD', into, ARGV[2], ARGV[1])
local first = redis.call('ZRANGE', into, 0, 0)
local before = redis.call('ZRANGE', other, 0, 0, 'WITHSCORES')
if first[1] == ARGV[1] and (before[2] == nil or tonumber(before[2]) >= tonumber(ARGV[2])) then redis.call('PUBLISH', ARGV[6], ARGV[2]) end
return 1`;

/**
 * KEYS: due, leased, jobs, backlog, line. ARGV: triples of id, the job json as claimed, account.
 * A job put again since it was claimed (a new slot after a throttle) is a different job and stays.
 */
const ACK = `
local removed = 0
for i = 1, #ARGV, 3 do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[3], id) == ARGV[i + 1] then
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[5], id)
    redis.call('HDEL', KEYS[3], id)
    if redis.call('HINCRBY', KEYS[4], ARGV[i + 2], -1) <= 0 then redis.call('HDEL', KEYS[4], ARGV[i + 2]) end
    removed = removed + 1
  end
end
return removed`;

/** KEYS: leased, jobs. ARGV: id, the job json as claimed, lease ms. Pushes the lease of a job still held in that form; 1 when it did. */
const EXTEND = `
${NOW_MS}
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return 1`;

/** KEYS: due, line. Returns [now, the earliest due time of either] ([now] when both are empty). */
const NEXT_DUE = `
${NOW_MS}
local next = nil
for _, key in ipairs(KEYS) do
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if first[2] and (next == nil or tonumber(first[2]) < next) then next = tonumber(first[2]) end
end
if next then return { now, next } end
return { now }`;

/** A claimed job and the exact form it was claimed in, which acknowledging it needs. */
export interface ClaimedJob {
  readonly job: DispatchJob;
  readonly token: string;
}

export interface ClaimedJobs {
  /** Redis time when the jobs were claimed. */
  readonly now: number;
  readonly jobs: ClaimedJob[];
}

export class DispatchSchedule {
  private readonly scripts: Readonly<Record<'ack' | 'claim' | 'extend' | 'nextDue' | 'put', LuaScript>>;

  constructor(private readonly redis: Redis) {
    this.scripts = { ack: luaScript(redis, ACK), claim: luaScript(redis, CLAIM), extend: luaScript(redis, EXTEND), nextDue: luaScript(redis, NEXT_DUE), put: luaScript(redis, PUT) };
  }

  /**
   * Schedules (or reschedules) a job; a job is keyed by its message uuid, so there is
   * never a second one. With `ifAbsent`, a job already there (due or claimed) is left alone.
   */
  async put(job: DispatchJob, options: { ifAbsent?: boolean } = {}): Promise<boolean> {
    const added = await this.scripts.put(
      5,
      SCHEDULE_KEYS.due,
      SCHEDULE_KEYS.leased,
      SCHEDULE_KEYS.jobs,
      SCHEDULE_KEYS.backlog,
      SCHEDULE_KEYS.line,
      job.message.messageUuid,
      job.dueAt,
      JSON.stringify(job),
      options.ifAbsent ? 1 : 0,
      job.message.accountId,
      SCHEDULE_WAKE_CHANNEL,
    );
    return Number(added) === 1;
  }

  /**
   * Claims up to `max` jobs due now or within `aheadMs` (the claimer waits for their time;
   * claiming ahead takes the round trips out of their lateness), those with a place in line
   * first. Unacknowledged jobs become due again `aheadMs + leaseMs` after the claim.
   */
  async claim(max: number, leaseMs: number, aheadMs = 0): Promise<ClaimedJobs> {
    const result = (await this.scripts.claim(4, SCHEDULE_KEYS.due, SCHEDULE_KEYS.leased, SCHEDULE_KEYS.jobs, SCHEDULE_KEYS.line, max, leaseMs, aheadMs)) as [
      number,
      ...string[],
    ];
    const [now, ...jobs] = result;
    return { now: Number(now), jobs: jobs.map((token) => ({ job: JSON.parse(token) as DispatchJob, token })) };
  }

  /**
   * Keeps a claimed job leased for `leaseMs` more from now (Redis time), while its claimer
   * still holds it as claimed; false when the lease had already run out and the job went
   * back to the schedule, or the job was put again or acknowledged since.
   */
  async extend(claimed: ClaimedJob, leaseMs: number): Promise<boolean> {
    const extended = await this.scripts.extend(2, SCHEDULE_KEYS.leased, SCHEDULE_KEYS.jobs, claimed.job.message.messageUuid, claimed.token, leaseMs);
    return Number(extended) === 1;
  }

  /** Removes finished jobs, unless they were put again since they were claimed. */
  async ack(claimed: readonly ClaimedJob[]): Promise<void> {
    if (claimed.length === 0) return;
    await this.scripts.ack(
      5,
      SCHEDULE_KEYS.due,
      SCHEDULE_KEYS.leased,
      SCHEDULE_KEYS.jobs,
      SCHEDULE_KEYS.backlog,
      SCHEDULE_KEYS.line,
      ...claimed.flatMap((c) => [c.job.message.messageUuid, c.token, c.job.message.accountId]),
    );
  }

  /** Milliseconds until the earliest job is due (0 when one is due now), or null when the schedule is empty. */
  async msUntilNextDue(): Promise<number | null> {
    const [now, next] = (await this.scripts.nextDue(2, SCHEDULE_KEYS.due, SCHEDULE_KEYS.line)) as [number, number?];
    return next === undefined ? null : Math.max(0, Number(next) - Number(now));
  }

  /**
   * Jobs on the schedule per account, the `top` largest first, and how many accounts have
   * any. Jobs scheduled by a version that did not count them are not in these figures.
   */
  async backlog(top: number): Promise<{ accounts: number; largest: Array<{ accountId: string; jobs: number }> }> {
    const all = await this.redis.hgetall(SCHEDULE_KEYS.backlog);
    const entries = Object.entries(all)
      .map(([accountId, jobs]) => ({ accountId, jobs: Number(jobs) }))
      .filter((e) => e.jobs > 0);
    entries.sort((a, b) => b.jobs - a.jobs);
    return { accounts: entries.length, largest: entries.slice(0, top) };
  }

  /** Whether each message has a job on the schedule (due, waiting or claimed), in one round trip. */
  async present(messageUuids: readonly string[]): Promise<boolean[]> {
    if (messageUuids.length === 0) return [];
    const jobs = await this.redis.hmget(SCHEDULE_KEYS.jobs, ...messageUuids);
    return jobs.map((job) => job !== null);
  }

  async size(): Promise<{ due: number; leased: number }> {
    const [due, line, leased] = await Promise.all([this.redis.zcard(SCHEDULE_KEYS.due), this.redis.zcard(SCHEDULE_KEYS.line), this.redis.zcard(SCHEDULE_KEYS.leased)]);
    return { due: due + line, leased };
  }
}

/**
 * Calls `onWake` with its due time whenever a job becomes the schedule's earliest, on a connection of its own
 * (ioredis subscribes it again after every reconnect). Returns what closes it.
 */
export function watchScheduleWake(redis: Redis, onWake: (dueAt: number) => void): () => void {
  const subscriber = redis.duplicate({ connectionName: 'dispatch-schedule-wake' });
  // Connection trouble is logged by the main connection; this one reconnects on its own, and meanwhile the idle poll covers.
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, dueAt: string) => onWake(Number(dueAt)));
  subscriber.subscribe(SCHEDULE_WAKE_CHANNEL).catch(() => undefined);
  return () => subscriber.disconnect();
}
