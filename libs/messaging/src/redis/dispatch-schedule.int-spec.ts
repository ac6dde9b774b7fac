import { testInfrastructure } from '@sluice/testing';
import { must } from '@sluice/contracts';
import { testDispatchJob } from '@sluice/testing-data';
import Redis from 'ioredis';
import { DispatchSchedule, SCHEDULE_KEYS, SCHEDULE_WAKE_CHANNEL, watchScheduleWake } from './dispatch-schedule';

const job = (dueAt: number) => testDispatchJob(dueAt);

describe('DispatchSchedule (real Redis)', () => {
  let redis: Redis;
  let schedule: DispatchSchedule;

  beforeAll(async () => {
    redis = new Redis(testInfrastructure().redisUrl);
    // The schedule is one shared structure: tests run against a dedicated logical database.
    await redis.select(9);
    schedule = new DispatchSchedule(redis);
  });

  beforeEach(async () => {
    await redis.del(...Object.values(SCHEDULE_KEYS));
  });

  afterAll(async () => {
    await redis.quit();
  });

  async function redisNow(): Promise<number> {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  it('wakes watchers when a job becomes the earliest, and not for a later one', async () => {
    const subscribers = async () => Number(((await redis.call('PUBSUB', 'NUMSUB', SCHEDULE_WAKE_CHANNEL)) as [string, number])[1]);
    const before = await subscribers();
    const woken: number[] = [];
    const close = watchScheduleWake(redis, (dueAt) => woken.push(dueAt));
    try {
      // Until the subscription is in place (apps of other suites may watch too).
      for (let tries = 0; tries < 250 && (await subscribers()) <= before; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      const now = await redisNow();
      const first = job(now + 60_000);
      const later = job(now + 120_000);
      const earlier = job(now + 30_000);
      for (const j of [first, later, earlier]) await schedule.put(j);
      const deadline = Date.now() + 5_000;
      while (!woken.includes(earlier.dueAt) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(woken).toContain(first.dueAt);
      expect(woken).toContain(earlier.dueAt);
      expect(woken).not.toContain(later.dueAt);
    } finally {
      close();
    }
  });

  it('hands out due jobs only, once each', async () => {
    const now = await redisNow();
    const due = job(now - 10);
    const later = job(now + 60_000);
    await schedule.put(due);
    await schedule.put(later);
    const first = await schedule.claim(10, 30_000);
    expect(first.jobs.map((j) => j.job.message.messageUuid)).toEqual([due.message.messageUuid]);
    expect((await schedule.claim(10, 30_000)).jobs).toHaveLength(0);
    expect(await schedule.size()).toEqual({ due: 1, leased: 1 });
  });

  it('hands out jobs due within the time asked ahead, and not later ones', async () => {
    const now = await redisNow();
    const soon = job(now + 5_000);
    const later = job(now + 60_000);
    await schedule.put(soon);
    await schedule.put(later);
    expect((await schedule.claim(10, 30_000)).jobs).toHaveLength(0);
    const ahead = await schedule.claim(10, 30_000, 10_000);
    expect(ahead.jobs.map((j) => j.job.message.messageUuid)).toEqual([soon.message.messageUuid]);
    // The lease covers the wait for the due time as well.
    const [, leaseEnd] = await redis.zrange(SCHEDULE_KEYS.leased, 0, 0, 'WITHSCORES');
    expect(Number(leaseEnd)).toBeGreaterThanOrEqual(ahead.now + 10_000 + 30_000);
  });

  it('counts the jobs of each account until they are acknowledged', async () => {
    const now = await redisNow();
    const forAccount = (accountId: string) => {
      const j = job(now - 10);
      return { ...j, message: { ...j.message, accountId } };
    };
    const busy = [forAccount('MABUSY00000000000000'), forAccount('MABUSY00000000000000'), forAccount('MABUSY00000000000000')];
    const quiet = forAccount('MAQUIET0000000000000');
    for (const j of [...busy, quiet]) await schedule.put(j);
    // Rescheduling a job already there does not count it twice.
    await schedule.put({ ...busy[0], dueAt: now - 5 });
    expect(await schedule.backlog(10)).toEqual({
      accounts: 2,
      largest: [
        { accountId: 'MABUSY00000000000000', jobs: 3 },
        { accountId: 'MAQUIET0000000000000', jobs: 1 },
      ],
    });
    expect((await schedule.backlog(1)).largest).toEqual([{ accountId: 'MABUSY00000000000000', jobs: 3 }]);
    const claimed = await schedule.claim(10, 30_000);
    await schedule.ack(claimed.jobs.filter((c) => c.job.message.accountId === 'MAQUIET0000000000000' || c.job.message.messageUuid === busy[1].message.messageUuid));
    expect(await schedule.backlog(10)).toEqual({ accounts: 1, largest: [{ accountId: 'MABUSY00000000000000', jobs: 2 }] });
    await schedule.ack(claimed.jobs);
    expect(await schedule.backlog(10)).toEqual({ accounts: 0, largest: [] });
    expect(await redis.exists(SCHEDULE_KEYS.backlog)).toBe(0);
  });

  it('makes a claimed job due again when its lease runs out without an ack', async () => {
    const now = await redisNow();
    const lost = job(now - 10);
    await schedule.put(lost);
    await schedule.claim(10, 200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const again = await schedule.claim(10, 30_000);
    expect(again.jobs.map((j) => j.job.message.messageUuid)).toEqual([lost.message.messageUuid]);
  });

  it('hands out jobs with a place in line before an older backlog, and keeps them in line when their lease runs out', async () => {
    const now = await redisNow();
    const backlog = [job(now - 5_000), job(now - 4_000), job(now - 3_000)];
    const uuids = (jobs: ReadonlyArray<{ message: { messageUuid: string } }>) => jobs.map((j) => j.message.messageUuid);
    const turn = { ...job(now + 100), inLine: true as const, linePlace: now + 100 };
    for (const j of [...backlog, turn]) await schedule.put(j);
    expect(await schedule.size()).toEqual({ due: 4, leased: 0 });
    expect(await schedule.msUntilNextDue()).toBe(0);
    const first = await schedule.claim(2, 200, 200);
    expect(uuids(first.jobs.map((j) => j.job))).toEqual(uuids([turn, ...backlog.slice(0, 1)]));
    // Not acknowledged: each comes back to its own set, due now; the turn again first.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const again = await schedule.claim(2, 30_000);
    expect(uuids(again.jobs.map((j) => j.job))).toEqual(uuids([turn, ...backlog.slice(1, 2)]));
    await schedule.ack([...again.jobs]);
    expect(uuids((await schedule.claim(10, 30_000)).jobs.map((j) => j.job))).toEqual(uuids([...backlog.slice(2), ...backlog.slice(0, 1)]));
  });

  it('keeps a claimed job leased while its claimer extends the lease, and not once it is acknowledged', async () => {
    const now = await redisNow();
    const held = job(now - 10);
    await schedule.put(held);
    const [claimed] = (await schedule.claim(10, 300)).jobs;
    const token = must(claimed, 'the claimed job');
    expect(await schedule.extend(token, 30_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await schedule.claim(10, 30_000)).jobs).toEqual([]);

    // Acknowledged, it is gone: there is no lease left to extend.
    await schedule.ack([token]);
    expect(await schedule.extend(token, 30_000)).toBe(false);
  });

  it('forgets acknowledged jobs and does not duplicate a job put twice', async () => {
    const now = await redisNow();
    const once = job(now - 10);
    await schedule.put(once);
    await schedule.put(once);
    const claimed = await schedule.claim(10, 30_000);
    expect(claimed.jobs).toHaveLength(1);
    await schedule.ack(claimed.jobs);
    expect(await schedule.size()).toEqual({ due: 0, leased: 0 });
    expect(await redis.hlen(SCHEDULE_KEYS.jobs)).toBe(0);
  });

  it('keeps a job put again after it was claimed, and leaves a present job alone when asked', async () => {
    const now = await redisNow();
    const original = job(now - 10);
    await schedule.put(original);
    const claimed = await schedule.claim(10, 30_000);
    expect(await schedule.put({ ...original, dueAt: now + 60_000 }, { ifAbsent: true })).toBe(false);
    await schedule.put({ ...original, dueAt: now + 60_000 });
    await schedule.ack(claimed.jobs);
    expect(await schedule.size()).toEqual({ due: 1, leased: 0 });
  });
});
