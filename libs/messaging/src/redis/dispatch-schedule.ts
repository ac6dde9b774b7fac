// The dispatch schedule in Redis: jobs due at a time, claimed under a lease so a crashed dispatcher hands them back.
import type { DispatchJob } from '@sluice/contracts';
import type Redis from 'ioredis';

/** One hash tag: the three keys live in one Redis Cluster slot, as the scripts need. */
const PREFIX = '{sluice:schedule}';
export const SCHEDULE_KEYS = {
  due: `${PREFIX}:due`,
  leased: `${PREFIX}:leased`,
  jobs: `${PREFIX}:jobs`,
} as const;

const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: due, leased, jobs. ARGV: max jobs, lease ms. Returns [now, job json...]. */
const CLAIM = `
${NOW_MS}
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[1], now, id)
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local out = { now }
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local job = redis.call('HGET', KEYS[3], id)
  if job then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), id)
    table.insert(out, job)
  end
end
return out`;

/** KEYS: due, leased, jobs. ARGV: id, due at (ms), job json, only if absent (1/0). */
const PUT = `
if ARGV[4] == '1' and redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`;

/**
 * KEYS: due, leased, jobs. ARGV: pairs of id and the job json as claimed. A job put again
 * since it was claimed (a new slot after a throttle) is a different job and stays.
 */
const ACK = `
local removed = 0
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[3], id) == ARGV[i + 1] then
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
    removed = removed + 1
  end
end
return removed`;

const NEXT_DUE = `
${NOW_MS}
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then return { now, tonumber(first[2]) } end
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
  constructor(private readonly redis: Redis) {}

  /**
   * Schedules (or reschedules) a job; a job is keyed by its message uuid, so there is
   * never a second one. With `ifAbsent`, a job already there (due or claimed) is left alone.
   */
  async put(job: DispatchJob, options: { ifAbsent?: boolean } = {}): Promise<boolean> {
    const added = await this.redis.eval(
      PUT,
      3,
      SCHEDULE_KEYS.due,
      SCHEDULE_KEYS.leased,
      SCHEDULE_KEYS.jobs,
      job.message.messageUuid,
      job.dueAt,
      JSON.stringify(job),
      options.ifAbsent ? 1 : 0,
    );
    return Number(added) === 1;
  }

  /** Claims up to `max` due jobs; unacknowledged ones become due again after `leaseMs`. */
  async claim(max: number, leaseMs: number): Promise<ClaimedJobs> {
    const result = (await this.redis.eval(CLAIM, 3, SCHEDULE_KEYS.due, SCHEDULE_KEYS.leased, SCHEDULE_KEYS.jobs, max, leaseMs)) as [number, ...string[]];
    const [now, ...jobs] = result;
    return { now: Number(now), jobs: jobs.map((token) => ({ job: JSON.parse(token) as DispatchJob, token })) };
  }

  /** Removes finished jobs, unless they were put again since they were claimed. */
  async ack(claimed: readonly ClaimedJob[]): Promise<void> {
    if (claimed.length === 0) return;
    await this.redis.eval(ACK, 3, SCHEDULE_KEYS.due, SCHEDULE_KEYS.leased, SCHEDULE_KEYS.jobs, ...claimed.flatMap((c) => [c.job.message.messageUuid, c.token]));
  }

  /** Milliseconds until the earliest job is due (0 when one is due now), or null when the schedule is empty. */
  async msUntilNextDue(): Promise<number | null> {
    const [now, next] = (await this.redis.eval(NEXT_DUE, 1, SCHEDULE_KEYS.due)) as [number, number?];
    return next === undefined ? null : Math.max(0, Number(next) - Number(now));
  }

  async size(): Promise<{ due: number; leased: number }> {
    const [due, leased] = await Promise.all([this.redis.zcard(SCHEDULE_KEYS.due), this.redis.zcard(SCHEDULE_KEYS.leased)]);
    return { due, leased };
  }
}
