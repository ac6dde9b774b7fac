// Benchmark of the quota booking and the dispatch schedule against the local Redis:
// decisions per second, exactness and utilisation of a backlogged quota, schedule
// lateness, and Redis memory for many accounts and a large backlog.
// Run: npm run bench:governor   (needs `deploy/local/infra.sh up`; uses Redis logical db 15, flushed)
import { must } from '@sluice/contracts';
import { countIn, type WindowQuota } from '@sluice/domain';
import { DispatchSchedule } from '@sluice/messaging';
import { percentile, printResults, testInfrastructure } from '@sluice/testing';
import { testDispatchJob } from '@sluice/testing-data';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { QuotaBooker } from '../src/quota-booker';

const redis = new Redis(testInfrastructure().redisUrl, { db: 15, enableAutoPipelining: true });
const booker = new QuotaBooker(redis, async () => 0);
const far = () => Date.now() + 86_400_000;
const account = () => `MA${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;


async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function usedMemory(): Promise<number> {
  const info = await redis.info('memory');
  return Number(must(/used_memory:(\d+)/.exec(info), 'used_memory in INFO memory')[1]);
}

async function decisionsPerSecond(): Promise<string> {
  const accounts = Array.from({ length: 100 }, account);
  const windows = (i: number): WindowQuota[] => [
    { kind: 'account_mps', scope: 'mps:sms', limit: 50, windowMs: 1_000 },
    { kind: 'number', scope: `num:1415555${String(i % 1000).padStart(4, '0')}:sms`, limit: 25, windowMs: 1_000 },
  ];
  const n = 20_000;
  const started = process.hrtime.bigint();
  await inParallel(n, 64, (i) => booker.book({ rootAccountId: accounts[i % accounts.length], messageUuid: randomUUID(), cost: 1, deadline: far(), windows: windows(i), daily: [] }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return `| scheduling decisions (2 quotas each, 100 accounts, 64 in flight) | ${Math.round(n / seconds).toLocaleString('en-US')} /s |`;
}

async function backloggedQuota(): Promise<string[]> {
  const quota: WindowQuota = { kind: 'number', scope: 'num:short:sms', limit: 100, windowMs: 1_000 };
  const { slots, perSecond, p99Ms } = await bookBacklog(quota, 6_000);
  let maxInWindow = 0;
  for (const s of slots) maxInWindow = Math.max(maxInWindow, countIn(slots, s, s + quota.windowMs), countIn(slots, s - quota.windowMs + 1, s + 1));
  const spanSeconds = (slots[slots.length - 1] - slots[0] + 1) / 1_000;
  const utilisation = slots.length / (Math.ceil(spanSeconds) * quota.limit);
  const tpm = await bookBacklog({ kind: 'brand_tpm', scope: 'tpm:brand:att', limit: 4_500, windowMs: 60_000 }, 6_000);
  return [
    `| backlog of 6,000 at 100/s: max in any 1 s window | ${maxInWindow} (quota 100) |`,
    `| same backlog: utilisation of the quota over its span | ${(utilisation * 100).toFixed(1)} % |`,
    `| same backlog: bookings one after the other | ${Math.round(perSecond).toLocaleString('en-US')} /s, p99 ${p99Ms.toFixed(1)} ms |`,
    `| backlog of 6,000 on a 4,500 TPM brand: bookings one after the other | ${Math.round(tpm.perSecond).toLocaleString('en-US')} /s, p99 ${tpm.p99Ms.toFixed(1)} ms |`,
  ];
}

/** Books `n` messages one after the other on one quota of a new account; the slots in order, the rate and the p99 of one booking. */
async function bookBacklog(quota: WindowQuota, n: number): Promise<{ slots: number[]; perSecond: number; p99Ms: number }> {
  const id = account();
  const slots: number[] = [];
  const took: number[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) {
    const asked = process.hrtime.bigint();
    const result = await booker.book({ rootAccountId: id, messageUuid: randomUUID(), cost: 1, deadline: far(), windows: [quota], daily: [] });
    took.push(Number(process.hrtime.bigint() - asked) / 1e6);
    if (result.outcome === 'booked') slots.push(result.slot);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  slots.sort((a, b) => a - b);
  took.sort((a, b) => a - b);
  return { slots, perSecond: n / seconds, p99Ms: percentile(took, 99) };
}

const job = (dueAt: number) => testDispatchJob(dueAt);

async function scheduleLateness(): Promise<string> {
  const schedule = new DispatchSchedule(redis);
  const [s, us] = await redis.time();
  const now = Number(s) * 1_000 + Math.floor(Number(us) / 1_000);
  const n = 5_000;
  // Due times spread over five seconds, 1,000 a second, claimed the way carrier-dispatch does (20 ms idle poll).
  await inParallel(n, 64, (i) => schedule.put(job(now + 500 + Math.floor((i * 5_000) / n))));
  const lateness: number[] = [];
  while (lateness.length < n) {
    const claimed = await schedule.claim(200, 30_000);
    for (const j of claimed.jobs) lateness.push(claimed.now - j.job.dueAt);
    await schedule.ack(claimed.jobs);
    if (claimed.jobs.length === 0) {
      const wait = await schedule.msUntilNextDue();
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait ?? 20, 20)));
    }
  }
  lateness.sort((a, b) => a - b);
  return `| schedule lateness (claim time − due time), 5,000 jobs at 1,000/s | p50 ${percentile(lateness, 50)} ms, p99 ${percentile(lateness, 99)} ms, max ${lateness[lateness.length - 1]} ms |`;
}

async function manyAccounts(): Promise<string> {
  await redis.flushdb();
  const before = await usedMemory();
  const n = 10_000;
  await inParallel(n, 64, () =>
    booker.book({
      rootAccountId: account(),
      messageUuid: randomUUID(),
      cost: 1,
      deadline: far(),
      windows: [
        { kind: 'account_mps', scope: 'mps:sms', limit: 5, windowMs: 1_000 },
        { kind: 'number', scope: 'num:14155550100:sms', limit: 1, windowMs: 1_000 },
      ],
      daily: [],
    }),
  );
  const keys = await redis.dbsize();
  const bytes = (await usedMemory()) - before;
  return `| 10,000 active accounts (one booking each, 2 quotas) | ${keys.toLocaleString('en-US')} keys, ${(bytes / 1_048_576).toFixed(1)} MiB (keys expire a minute after their last slot) |`;
}

async function largeBacklog(): Promise<string> {
  await redis.flushdb();
  const schedule = new DispatchSchedule(redis);
  const before = await usedMemory();
  const n = 1_000_000;
  const started = Date.now();
  await inParallel(n, 256, (i) => schedule.put(job(Date.now() + 3_600_000 + i)));
  const seconds = (Date.now() - started) / 1_000;
  const bytes = (await usedMemory()) - before;
  const size = await schedule.size();
  return `| 1,000,000-message backlog on the dispatch schedule | ${size.due.toLocaleString('en-US')} jobs, ${(bytes / 1_048_576).toFixed(0)} MiB (${Math.round(bytes / n)} B a job), written at ${Math.round(n / seconds).toLocaleString('en-US')} /s |`;
}

async function main(): Promise<void> {
  await redis.flushdb();
  const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  const rows = [await decisionsPerSecond(), ...(await backloggedQuota()), await scheduleLateness(), await manyAccounts(), await largeBacklog()];
  await redis.flushdb();
  await redis.quit();
  printResults('rate-governor', rows, `Redis ${version}`);

}

void main();
