import { MessageType } from '@sluice/contracts';
import { earliestSlot, pacificDay, type DailyCap, type WindowQuota } from '@sluice/domain';
import { AccountRepository, countedSends, createDataSource, MessageQuotas, QuotaContextRepository, RecentSendsRepository } from '@sluice/persistence';
import { recordDeliveredSends, testInfrastructure, testNumber } from '@sluice/testing';
import { createTestAccount, registerTestNumber } from '@sluice/testing-data';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BookingResult, QuotaBooker, SCAN_GROUPS } from './quota-booker';

const HOUR = 3_600_000;
const mps5: WindowQuota = { kind: 'account_mps', scope: 'mps:sms', limit: 5, windowMs: 1_000 };
const newAccount = () => `MA${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;
const farFuture = () => Date.now() + 10 * 24 * HOUR;

describe('QuotaBooker (real Redis and Postgres)', () => {
  let redis: Redis;
  let dataSource: DataSource;
  let context: QuotaContextRepository;

  beforeAll(async () => {
    redis = new Redis(testInfrastructure().redisUrl);
    dataSource = await createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 2 }).initialize();
    context = new QuotaContextRepository(dataSource, 1_000);
  });

  afterAll(async () => {
    await redis.quit();
    await dataSource.destroy();
  });

  /** A booker whose clock reads `target` now (Redis time shifted by an offset). */
  async function bookerAt(target: number | null): Promise<QuotaBooker> {
    const [s, us] = await redis.time();
    const offset = target === null ? 0 : target - (Number(s) * 1000 + Math.floor(Number(us) / 1000));
    return new QuotaBooker(redis, (scope, day) => context.dailyUsage(scope, day), 0, offset);
  }

  /** Bookings in a window key (its sentinel, at score 0, is not one). */
  const bookings = (key: string) => redis.zcount(key, '(0', '+inf');

  const slotOf = (r: BookingResult): number => {
    if (r.outcome !== 'booked') throw new Error(`not booked: ${r.outcome}`);
    return r.slot;
  };

  async function bookMany(booker: QuotaBooker, account: string, count: number, windows: WindowQuota[], daily: DailyCap[] = [], deadline = farFuture()) {
    const results: BookingResult[] = [];
    for (let i = 0; i < count; i += 1) {
      results.push(await booker.book({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows, daily }));
    }
    return results;
  }

  it('books ten sends at 5 MPS as five in one interval and five in the next (seed scenario 2)', async () => {
    const slots = (await bookMany(await bookerAt(null), newAccount(), 10, [mps5])).map(slotOf);
    const first = slots[0] ?? Number.NaN;
    expect(slots.filter((s) => s < first + 1_000)).toHaveLength(5);
    expect(slots.filter((s) => s >= first + 1_000 && s < first + 2_000)).toHaveLength(5);
    for (const s of slots) expect(slots.filter((t) => t >= s && t < s + 1_000).length).toBeLessThanOrEqual(5);
  });

  it('books every message at the slot earliestSlot gives, gaps before future bookings included and a long backlog skipped', async () => {
    // Messages asking for random earliest times a minute ahead, where Redis now is no constraint: each slot is that rule's answer.
    const booker = await bookerAt(null);
    const account = newAccount();
    const quota: WindowQuota = { kind: 'number', scope: `num:${randomUUID()}:sms`, limit: 3, windowMs: 1_000 };
    const base = Date.now() + 60_000;
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const booked: number[] = [];
    // Then a burst that all asks for the start: past SCAN_GROUPS forbidden ranges it is booked past the backlog's end.
    for (let i = 0; i < 520; i += 1) {
      const notBefore = i < 120 ? base + Math.floor(next() * 20_000) : base;
      const result = await booker.book({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline: base + HOUR, windows: [quota], daily: [], notBefore });
      expect(slotOf(result)).toBe(earliestSlot(booked, notBefore, 1, quota, SCAN_GROUPS));
      booked.push(slotOf(result));
      booked.sort((a, b) => a - b);
    }
  });

  it('dispatches five sends at 5 MPS at once (seed scenario 1)', async () => {
    const slots = (await bookMany(await bookerAt(null), newAccount(), 5, [mps5])).map(slotOf);
    expect(Math.max(...slots) - Math.min(...slots)).toBeLessThan(1_000);
  });

  it('lets exactly the TPM through in a minute and the next unit one minute later', async () => {
    const tpm: WindowQuota = { kind: 'brand_tpm', scope: 'tpm:b:att', limit: 75, windowMs: 60_000 };
    const slots = (await bookMany(await bookerAt(null), newAccount(), 76, [tpm])).map(slotOf);
    const first = slots[0] ?? Number.NaN;
    expect(slots.slice(0, 75).every((s) => s < first + 1_000)).toBe(true);
    expect(slots[75]).toBeGreaterThanOrEqual(first + 60_000);
  });

  it('keeps AT&T traffic moving while a T-Mobile backlog waits for its TPM', async () => {
    const account = newAccount();
    const booker = await bookerAt(null);
    const tmo: WindowQuota = { kind: 'brand_tpm', scope: 'tpm:b:tmobile', limit: 10, windowMs: 60_000 };
    const att: WindowQuota = { kind: 'brand_tpm', scope: 'tpm:b:att', limit: 10, windowMs: 60_000 };
    const tmoSlots = (await bookMany(booker, account, 15, [mps5, tmo])).map(slotOf);
    const [attSlot] = (await bookMany(booker, account, 1, [mps5, att])).map(slotOf);
    // The five T-Mobile messages past its TPM wait a minute; AT&T only shares the account MPS.
    const tmoFirst = tmoSlots[0] ?? Number.NaN;
    expect(tmoSlots.filter((s) => s >= tmoFirst + 60_000)).toHaveLength(5);
    expect((attSlot ?? Number.NaN) - tmoFirst).toBeLessThan(3_000);
  });

  it('keeps the slot of a message booked before, and books a throttled retry anew', async () => {
    const account = newAccount();
    const booker = await bookerAt(null);
    const uuid = randomUUID();
    const first = await booker.book({ rootAccountId: account, messageUuid: uuid, cost: 1, deadline: farFuture(), windows: [mps5], daily: [] });
    await bookMany(booker, account, 4, [mps5]);
    const replay = await booker.book({ rootAccountId: account, messageUuid: uuid, cost: 1, deadline: farFuture(), windows: [mps5], daily: [] });
    expect(replay).toMatchObject({ outcome: 'booked', slot: slotOf(first), replayed: true });
    expect(await bookings(`{acct:${account}}:w:mps:sms`)).toBe(5);
    const retry = await booker.book({ rootAccountId: account, messageUuid: uuid, attempt: 1, cost: 1, deadline: farFuture(), windows: [mps5], daily: [] });
    expect(slotOf(retry)).toBeGreaterThanOrEqual(slotOf(first) + 1_000);
  });

  it('books nothing for a message whose earliest slot is past its deadline', async () => {
    const account = newAccount();
    const booker = await bookerAt(null);
    await bookMany(booker, account, 5, [mps5]);
    const [late] = await bookMany(booker, account, 1, [mps5], [], Date.now() + 100);
    expect(late?.outcome).toBe('expired');
    expect(await bookings(`{acct:${account}}:w:mps:sms`)).toBe(5);
  });

  describe('T-Mobile TPD across a Pacific midnight', () => {
    const cases: Array<[string, string]> = [
      ['an ordinary day', '2026-11-23T07:59:58Z'], // 23:59:58 PST on 2026-11-22
      ['the 23-hour day DST starts', '2026-03-09T06:59:58Z'], // 23:59:58 PDT on 2026-03-08
      ['the 25-hour day DST ends', '2026-11-02T07:59:58Z'], // 23:59:58 PST on 2026-11-01
    ];
    it.each(cases)('fails past the cap until midnight, then resets (%s)', async (_, justBefore) => {
      const t = Date.parse(justBefore);
      const day = pacificDay(t);
      expect(day.end - t).toBe(2_000);
      const account = newAccount();
      const scope = `tpd:${randomUUID()}`;
      const tpd: DailyCap = { kind: 'tmobile_tpd', scope, cap: 3, overflow: 'fail' };
      const before = await bookerAt(t);
      const today = await bookMany(before, account, 4, [mps5], [tpd]);
      expect(today.map((r) => r.outcome)).toEqual(['booked', 'booked', 'booked', 'daily_cap']);
      const after = await bookerAt(day.end + 1_000);
      const tomorrow = await bookMany(after, account, 4, [mps5], [tpd]);
      expect(tomorrow.map((r) => r.outcome)).toEqual(['booked', 'booked', 'booked', 'daily_cap']);
      expect(await redis.get(`{acct:${account}}:day:${scope}:${pacificDay(day.end).day}`)).toBe('3');
    });
  });

  it('holds a parent and its subaccount sending from one number to the number’s limit together', async () => {
    // A verified toll-free number: 25/s. Both accounts may dispatch 100/s, so the number is what binds.
    const parent = await createTestAccount(dataSource, { smsMps: 100 });
    const sub = await new AccountRepository(dataSource).create({ name: 'sub', parentAuthId: parent.authId, smsMps: 100 });
    const src = testNumber('833');
    await registerTestNumber(dataSource, parent.authId, src, { type: 'toll_free' });
    const quotas = new MessageQuotas(context);
    const booker = await bookerAt(null);
    const slots: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const accountId = i % 2 === 0 ? parent.authId : sub.authId;
      const planned = await quotas.plan({ accountId, type: MessageType.Sms, src, dst: testNumber('202') });
      if (!planned?.plan.ok) throw new Error('no quota plan');
      expect(planned.rootAccountId).toBe(parent.authId);
      expect(planned.plan.windows).toContainEqual(expect.objectContaining({ kind: 'number', limit: 25, windowMs: 1_000 }));
      const result = await booker.book({ rootAccountId: planned.rootAccountId, messageUuid: randomUUID(), cost: 1, deadline: farFuture(), windows: planned.plan.windows, daily: planned.plan.daily });
      slots.push(slotOf(result));
    }
    // In ANY one-second window, not only the first: at most the number's 25, from both accounts together.
    const busiest = Math.max(...slots.map((s) => slots.filter((t) => t >= s && t < s + 1_000).length));
    expect(busiest).toBe(25);
  });

  it('restores a daily count from Postgres when Redis has none', async () => {
    const account = newAccount();
    const scope = `tpd:${randomUUID()}`;
    const booker = await bookerAt(null);
    const [s] = await redis.time();
    const day = pacificDay(Number(s) * 1000).day;
    await context.addDailyUsage([{ scope, pacificDay: day, units: 9 }]);
    const results = await bookMany(booker, account, 2, [mps5], [{ kind: 'tmobile_tpd', scope, cap: 10, overflow: 'fail' }]);
    expect(results.map((r) => r.outcome)).toEqual(['booked', 'daily_cap']);
  });

  it('defers a number past its daily cap to the next Pacific day', async () => {
    const t = Date.parse('2026-11-22T20:00:00Z');
    const day = pacificDay(t);
    const account = newAccount();
    const cap: DailyCap = { kind: 'number_daily', scope: `daily:${randomUUID()}`, cap: 2, overflow: 'defer' };
    const results = await bookMany(await bookerAt(t), account, 3, [mps5], [cap], t + 24 * HOUR);
    expect(results.map((r) => r.outcome)).toEqual(['booked', 'booked', 'booked']);
    expect(results[2]).toMatchObject({ outcome: 'booked', slot: day.end });
  });

  describe('after Redis lost a quota window', () => {
    const recordSends = (accountId: string, src: string, count: number, sentAt: number): Promise<void> => recordDeliveredSends(dataSource, accountId, src, count, sentAt);

    async function redisNow(): Promise<number> {
      const [s, us] = await redis.time();
      return Number(s) * 1000 + Math.floor(Number(us) / 1000);
    }

    it('rebuilds the window from the sends Postgres recorded before booking anything on it', async () => {
      const account = await createTestAccount(dataSource, { smsMps: 5 });
      const src = testNumber('888');
      await registerTestNumber(dataSource, account.authId, src, { type: 'short_code' });
      const quotas = new MessageQuotas(context);
      const booker = new QuotaBooker(redis, (scope, day) => context.dailyUsage(scope, day), 0, 0, countedSends(new RecentSendsRepository(dataSource), quotas));
      // Five sends 300 ms ago fill the account's 5 MPS for 700 ms more; Redis has no trace of them.
      const sentAt = (await redisNow()) - 300;
      await recordSends(account.authId, src, 5, sentAt);
      const planned = await quotas.plan({ accountId: account.authId, type: MessageType.Sms, src, dst: testNumber('202') });
      if (!planned?.plan.ok) throw new Error('no quota plan');
      const { rootAccountId } = planned;
      const { windows } = planned.plan;
      const mps = windows.find((w) => w.kind === 'account_mps');
      if (!mps) throw new Error('no account MPS window');
      expect(mps.limit).toBe(5);

      const book = () => booker.book({ rootAccountId, messageUuid: randomUUID(), cost: 1, deadline: farFuture(), windows, daily: [] });
      const first = slotOf(await book());
      const second = slotOf(await book());
      // The scope sent within the last second, so the key was lost, not expired: five more units
      // stand for sends that may still be in flight, from the rebuild on.
      expect(first).toBeGreaterThanOrEqual(sentAt + 300 + 1_000);
      expect(second).toBeGreaterThanOrEqual(sentAt + 300 + 1_000);
      // The five sends and the five in flight are in the rebuilt window, with the two new bookings.
      expect(await bookings(`{acct:${rootAccountId}}:w:${mps.scope}`)).toBe(12);
    });

    it('leaves a window Redis still has as it is: sends are not counted twice', async () => {
      const account = await createTestAccount(dataSource, { smsMps: 5 });
      const src = testNumber('888');
      await registerTestNumber(dataSource, account.authId, src, { type: 'short_code' });
      const quotas = new MessageQuotas(context);
      const booker = new QuotaBooker(redis, (scope, day) => context.dailyUsage(scope, day), 0, 0, countedSends(new RecentSendsRepository(dataSource), quotas));
      const planned = await quotas.plan({ accountId: account.authId, type: MessageType.Sms, src, dst: testNumber('202') });
      if (!planned?.plan.ok) throw new Error('no quota plan');
      const { windows } = planned.plan;
      const book = () => booker.book({ rootAccountId: planned.rootAccountId, messageUuid: randomUUID(), cost: 1, deadline: farFuture(), windows, daily: [] });
      const start = slotOf(await book());
      // Sent since, and recorded: the window already holds their bookings.
      await recordSends(account.authId, src, 3, start);
      const more = [slotOf(await book()), slotOf(await book()), slotOf(await book()), slotOf(await book())];
      expect(more.every((s) => s < start + 1_000)).toBe(true);
      expect(slotOf(await book())).toBeGreaterThanOrEqual(start + 1_000);
    });
  });
});
