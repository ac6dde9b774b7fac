import { MessageType } from '@sluice/contracts';
import { countedSends, createDataSource, MessageQuotas, QuotaContextRepository, RecentSendsRepository } from '@sluice/persistence';
import { recordDeliveredSends, testInfrastructure, testNumber } from '@sluice/testing';
import { createTestAccount, registerTestNumber } from '@sluice/testing-data';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AdmissionResult, QuotaAdmission } from './quota-admission';
import type { QuotaWindow } from './quota-windows';
import { preciseNowMs } from '@sluice/clock';
import { CLOCK_DRIFT_PER_MS } from './redis-clock';

const HOUR = 3_600_000;
const GUARD = 20;
/** In-flight units count this long unless settled (longer than any test here). */
const PENDING = 30_000;
/** Times are kept to the microsecond: equal to three decimals of a millisecond. */
const MICROSECONDS = 3;
const newAccount = () => `MA${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;
const mps = (limit: number): QuotaWindow => ({ scope: `mps:${randomUUID()}:sms`, limit, windowMs: 1_000 });

describe('QuotaAdmission (real Redis)', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(testInfrastructure().redisUrl);
  });

  afterAll(async () => {
    await redis.quit();
  });

  async function redisNow(): Promise<number> {
    const [s, us] = await redis.time();
    return Number(s) * 1000 + Number(us) / 1000;
  }

  async function sleepUntil(redisMs: number): Promise<void> {
    const wait = Math.max(0, redisMs - (await redisNow()));
    await new Promise((resolve) => setTimeout(resolve, wait));
  }

  const admitter = (pendingMs = PENDING) => new QuotaAdmission(redis, GUARD, pendingMs);
  const farFuture = async () => (await redisNow()) + 10 * HOUR;
  const units = (account: string, window: QuotaWindow) => redis.zcount(QuotaAdmission.windowKey(account, window.scope), '(0', '+inf');

  type Admitted = Extract<AdmissionResult, { outcome: 'admitted' }> & { settledAt: number };

  /**
   * Admits `count` messages one after the other. Each admitted one is answered by the
   * carrier at once (settled at Redis now) unless `inFlight`: then its units stay in flight.
   */
  async function admitMany(admission: QuotaAdmission, account: string, count: number, windows: QuotaWindow[], cost = 1, inFlight = false): Promise<Array<AdmissionResult & { settledAt?: number }>> {
    const deadline = await farFuture();
    const results: Array<AdmissionResult & { settledAt?: number }> = [];
    for (let i = 0; i < count; i += 1) {
      const result = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost, deadline, windows });
      results.push(result.outcome === 'admitted' && !inFlight ? { ...result, settledAt: await admission.settle(result.admission) } : result);
    }
    return results;
  }

  /** One message admitted alone under one window and answered at once; a refusal fails the test. */
  async function admitOne(admission: QuotaAdmission, account: string, window: QuotaWindow, inFlight = false): Promise<Admitted> {
    const [result] = await admitMany(admission, account, 1, [window], 1, inFlight);
    if (result?.outcome !== 'admitted') throw new Error(`expected an admission, got ${JSON.stringify(result)}`);
    return { ...result, settledAt: result.settledAt ?? 0 };
  }

  it('admits up to the limit at once and refuses beyond it until the first unit leaves the window and the guard', async () => {
    const account = newAccount();
    const window = mps(5);
    const results = await admitMany(admitter(), account, 6, [window]);
    expect(results.slice(0, 5).map((r) => r.outcome)).toEqual(['admitted', 'admitted', 'admitted', 'admitted', 'admitted']);
    const first = results[0];
    const refused = results[5];
    if (first?.outcome !== 'admitted' || refused?.outcome !== 'refused') throw new Error('expected five admitted, then one refused');
    expect(refused.retryAt).toBe((first.settledAt ?? 0) + 1_000 + GUARD);
    expect(await units(account, window)).toBe(5);
  });

  it('keeps its reading of Redis time tight on round trips of its own while admissions are asked for', async () => {
    const sampled = admitter();
    const alone = admitter();
    const clockRedis = redis.duplicate();
    const stop = sampled.keepClockTight(clockRedis, 20);
    try {
      await Promise.all([admitOne(sampled, newAccount(), mps(5)), admitOne(alone, newAccount(), mps(5))]);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // Alone, the bound has widened by a second of drift; measured meanwhile, it has not.
      expect(alone.clockUncertaintyMs()).toBeGreaterThanOrEqual(1_000 * CLOCK_DRIFT_PER_MS);
      expect(sampled.clockUncertaintyMs()).toBeLessThan(alone.clockUncertaintyMs());
    } finally {
      stop();
      clockRedis.disconnect();
    }
  });

  it('keeps no timer for the clock while no admission is asked for, and stops one 2 s after the last', async () => {
    const sampled = admitter();
    const clockRedis = redis.duplicate();
    const times = jest.spyOn(clockRedis, 'time');
    const stop = sampled.keepClockTight(clockRedis, 20);
    const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      await pause(200);
      expect(sampled.clockSamplingArmed).toBe(false);
      expect(times).not.toHaveBeenCalled();
      await admitOne(sampled, newAccount(), mps(5));
      expect(sampled.clockSamplingArmed).toBe(true);
      await pause(200);
      expect(times.mock.calls.length).toBeGreaterThan(0);
      // Two seconds after the admission the timer has stopped: no measurement after that.
      await pause(2_300);
      expect(sampled.clockSamplingArmed).toBe(false);
      const settled = times.mock.calls.length;
      await pause(200);
      expect(times.mock.calls.length).toBe(settled);
      // The next admission arms it again.
      await admitOne(sampled, newAccount(), mps(5));
      expect(sampled.clockSamplingArmed).toBe(true);
    } finally {
      stop();
      times.mockRestore();
      clockRedis.disconnect();
    }
  });

  it('admits again once the window has room, on Redis time', async () => {
    const account = newAccount();
    const window: QuotaWindow = { scope: `num:${randomUUID()}:sms`, limit: 2, windowMs: 150 };
    const admission = admitter();
    const [, , refused] = await admitMany(admission, account, 3, [window]);
    if (refused?.outcome !== 'refused') throw new Error('expected a refusal');
    const wait = Math.max(0, refused.retryAt - (await redisNow())) + 5;
    await new Promise((resolve) => setTimeout(resolve, wait));
    expect((await admitMany(admission, account, 1, [window]))[0]?.outcome).toBe('admitted');
  });

  it('charges a message its units and refuses one that no longer fits whole', async () => {
    const account = newAccount();
    const window = mps(5);
    const results = await admitMany(admitter(), account, 2, [window], 3);
    expect(results.map((r) => r.outcome)).toEqual(['admitted', 'refused']);
    expect(await units(account, window)).toBe(3);
  });

  it('records nothing anywhere when one of the windows refuses', async () => {
    const account = newAccount();
    const loose = mps(100);
    const tight: QuotaWindow = { scope: `tpm:${randomUUID()}:att`, limit: 2, windowMs: 60_000 };
    const results = await admitMany(admitter(), account, 3, [loose, tight]);
    expect(results.map((r) => r.outcome)).toEqual(['admitted', 'admitted', 'refused']);
    expect(await units(account, loose)).toBe(2);
    expect(await units(account, tight)).toBe(2);
    const first = results[0];
    const refused = results[2];
    if (first?.outcome !== 'admitted' || refused?.outcome !== 'refused') throw new Error('unexpected outcomes');
    expect(refused.retryAt).toBe((first.settledAt ?? 0) + 60_000 + GUARD);
  });

  it('gives a refused backlog the times its window frees room, in order, and the next round a window after those', async () => {
    const account = newAccount();
    const window = mps(5);
    const results = await admitMany(admitter(), account, 15, [window]);
    const settled = results.flatMap((r) => (r.outcome === 'admitted' ? [r.settledAt ?? 0] : []));
    const retries = results.flatMap((r) => (r.outcome === 'refused' ? [r.retryAt] : []));
    expect([settled.length, retries.length]).toEqual([5, 10]);
    // Each of the first five waits for one unit to leave; each of the next five for the one placed a round before it.
    const length = 1_000 + GUARD;
    settled.forEach((at, k) => {
      expect(retries[k]).toBeCloseTo(at + length, MICROSECONDS);
      expect(retries[k + 5]).toBeCloseTo((retries[k] ?? 0) + length, MICROSECONDS);
    });
  });

  it('starts the line of a long window with a lane per unit of its limit, each free a window after its unit', async () => {
    const account = newAccount();
    const window: QuotaWindow = { scope: `tpm:${randomUUID()}:sms`, limit: 1_200, windowMs: 60_000 };
    const admission = admitter();
    const results = await admitMany(admission, account, 1_201, [window]);
    const last = results[1_200];
    if (last?.outcome !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(last)}`);
    expect(last.retryAt).toBeCloseTo((results[0]?.settledAt ?? 0) + 60_000 + GUARD, MICROSECONDS);
    expect(await redis.zcard(QuotaAdmission.lanesKey(account, window.scope))).toBe(1_200);
    // The next one waits for the second unit: the room comes back at the pace the units went.
    const [next] = await admitMany(admission, account, 1, [window]);
    expect(next).toMatchObject({ outcome: 'refused', retryAt: expect.closeTo((results[1]?.settledAt ?? 0) + 60_000 + GUARD, MICROSECONDS) });
  });

  it('sends a message not yet in line behind a line that is ahead of now, and judges one in line on room alone', async () => {
    const account = newAccount();
    const window = mps(5);
    const admission = admitter();
    // Five admitted, five refused: a line of a second ends after the last of them.
    const results = await admitMany(admission, account, 10, [window]);
    const retries = results.flatMap((r) => (r.outcome === 'refused' ? [r.retryAt] : []));
    expect(retries).toHaveLength(5);
    const deadline = await farFuture();
    // Room comes back for the first of the line; a newcomer still goes to the end of it, a message in line gets in.
    const first = results[0];
    if (first?.outcome !== 'admitted') throw new Error('expected an admission');
    const roomAt = (first.settledAt ?? 0) + 1_000 + GUARD;
    const wait = Math.max(0, roomAt - (await redisNow())) + 5;
    await new Promise((resolve) => setTimeout(resolve, wait));
    const newcomer = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows: [window] });
    // The first lane of the line is free again a window after the first one in it.
    expect(newcomer).toMatchObject({ outcome: 'refused', retryAt: expect.closeTo((retries[0] ?? 0) + 1_000 + GUARD, MICROSECONDS) });
    const inLine = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows: [window], inLine: true });
    expect(inLine.outcome).toBe('admitted');
    // Five in the window again: one in line finding no room is told when, and keeps its place (the lanes stay).
    for (let i = 0; i < 4; i += 1) {
      const more = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows: [window], inLine: true });
      expect(more.outcome).toBe('admitted');
    }
    const lanesKey = QuotaAdmission.lanesKey(account, window.scope);
    const lanesBefore = await redis.zrange(lanesKey, 0, -1, 'WITHSCORES');
    expect(lanesBefore).toHaveLength(10);
    const full = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows: [window], inLine: true });
    expect(full).toMatchObject({ outcome: 'refused' });
    expect(await redis.zrange(lanesKey, 0, -1, 'WITHSCORES')).toEqual(lanesBefore);
  });

  it('puts a line behind when one in it finds no room at its turn, keeping the order and spacing of those after it', async () => {
    const account = newAccount();
    const window: QuotaWindow = { scope: `num:${randomUUID()}:sms`, limit: 1, windowMs: 300 };
    const step = 300 + GUARD;
    const admission = admitter();
    // One admitted, three given places in line a step apart.
    const results = await admitMany(admission, account, 4, [window]);
    const line = results.flatMap((r) => (r.outcome === 'refused' ? [r] : []));
    expect(line.map((r) => r.linePlace)).toEqual(line.map((r) => r.retryAt));
    const [p1, p2, p3] = line.map((r) => r.linePlace ?? 0) as [number, number, number];
    expect([p2 - p1, p3 - p2]).toEqual([step, step]);
    // At the first one's turn something else takes the room: it is told the earliest time, and the line falls behind by its wait.
    await sleepUntil(p1 + 2);
    const deadline = await farFuture();
    const taker = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows: [window], inLine: true });
    if (taker.outcome !== 'admitted') throw new Error(`expected an admission, got ${JSON.stringify(taker)}`);
    const takenAt = await admission.settle(taker.admission);
    const first = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows: [window], inLine: true, linePlace: p1 });
    expect(first).toMatchObject({ outcome: 'refused', retryAt: expect.closeTo(takenAt + step, MICROSECONDS), linePlace: p1 });
    const shift = takenAt + step - p1;
    expect(Number(await redis.get(QuotaAdmission.shiftKey(account, window.scope)))).toBeCloseTo(shift, MICROSECONDS);
    // The next in line, asking at its old time, is told its place plus the shift: a step after the first, not with it.
    const second = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows: [window], inLine: true, linePlace: p2 });
    expect(second).toMatchObject({ outcome: 'refused', retryAt: expect.closeTo(p2 + shift, MICROSECONDS), linePlace: p2 });
    // A newcomer goes to the end of the line, behind by as much.
    const newcomer = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows: [window] });
    expect(newcomer).toMatchObject({ outcome: 'refused', retryAt: expect.closeTo(p3 + step + shift, MICROSECONDS), linePlace: expect.closeTo(p3 + step, MICROSECONDS) });
    // At its new time the first gets in.
    await sleepUntil(takenAt + step + 2);
    const again = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows: [window], inLine: true, linePlace: p1 });
    expect(again.outcome).toBe('admitted');
  });

  it('admits a message whose room is a few milliseconds away for that time, counting it in flight at once and starting no line', async () => {
    const account = newAccount();
    const window: QuotaWindow = { scope: `num:${randomUUID()}:sms`, limit: 1, windowMs: 200 };
    const admission = admitter();
    const first = await admitOne(admission, account, window);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const [ahead] = await admitMany(admission, account, 1, [window], 1, true);
    if (ahead?.outcome !== 'admitted') throw new Error(`expected an admission ahead, got ${JSON.stringify(ahead)}`);
    expect(ahead.at).toBe(first.settledAt + 200 + GUARD);
    expect(ahead.at).toBeGreaterThan(ahead.now);
    // On this process's clock, the hand-off waits until Redis time has surely reached it.
    expect(admission.redisTimeOf(admission.handOffAt(ahead.at))).toBeGreaterThanOrEqual(ahead.at);
    expect(await units(account, window)).toBe(2);
    expect(await redis.exists(QuotaAdmission.lanesKey(account, window.scope))).toBe(0);
    // Counted in flight from now: the next one has no room within a window of now.
    const [next] = await admitMany(admission, account, 1, [window]);
    if (next?.outcome !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(next)}`);
    expect(next.retryAt).toBeGreaterThanOrEqual(next.now + 200 + GUARD);
  });

  it('hands a message over a window after an answer this process read, on its own clock; after one another read, once Redis time has surely come', async () => {
    const account = newAccount();
    const window: QuotaWindow = { scope: `num:${randomUUID()}:sms`, limit: 1, windowMs: 200 };
    const deadline = await farFuture();
    const ask = async (admission: QuotaAdmission) => {
      const result = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline, windows: [window] });
      if (result.outcome !== 'admitted') throw new Error(`expected an admission, got ${JSON.stringify(result)}`);
      return result;
    };
    const mine = admitter();
    const first = await ask(mine);
    const answeredAt = preciseNowMs();
    await mine.settle(first.admission, answeredAt);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const ahead = await ask(mine);
    expect(ahead.at).toBeGreaterThan(ahead.now);
    // A window (and the guard) after the answer on this clock: not the bound of Redis time twice over.
    expect(ahead.handOffAt).toBeCloseTo(answeredAt + 200 + GUARD, 6);
    expect(ahead.handOffAt).toBeLessThan(mine.handOffAt(ahead.at));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, ahead.handOffAt - preciseNowMs()) + 1));
    await mine.settle(ahead.admission, preciseNowMs());
    // Another dispatcher did not read that answer: it waits until Redis time has surely reached the room.
    const other = admitter();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const theirs = await ask(other);
    expect(theirs.at).toBeGreaterThan(theirs.now);
    expect(theirs.handOffAt).toBe(other.handOffAt(theirs.at));
  });

  it('gives no room ahead that hangs on a unit still in flight', async () => {
    const account = newAccount();
    const window: QuotaWindow = { scope: `num:${randomUUID()}:sms`, limit: 1, windowMs: 50 };
    const admission = admitter();
    await admitOne(admission, account, window, true);
    const [next] = await admitMany(admission, account, 1, [window]);
    if (next?.outcome !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(next)}`);
    expect(await units(account, window)).toBe(1);
  });

  it('gives a message refused for a few milliseconds a place in line all the same, so the next is not told the same time', async () => {
    const account = newAccount();
    const window: QuotaWindow = { scope: `num:${randomUUID()}:sms`, limit: 1, windowMs: 50 };
    const admission = admitter();
    await admitOne(admission, account, window, true);
    // The unit in flight leaves no earlier than a window from now: within the horizon, but not certain.
    const [first, second] = await admitMany(admission, account, 2, [window]);
    if (first?.outcome !== 'refused' || second?.outcome !== 'refused') throw new Error(`expected two refusals, got ${JSON.stringify([first, second])}`);
    expect(first.retryAt - first.now).toBeLessThanOrEqual(50 + GUARD + 1);
    expect(first.linePlace).toBeCloseTo(first.retryAt, MICROSECONDS);
    expect(second.retryAt).toBeCloseTo(first.retryAt + 50 + GUARD, MICROSECONDS);
    expect(await redis.zcard(QuotaAdmission.lanesKey(account, window.scope))).toBe(1);
  });

  it('has a newcomer whose place in a line has come judged on room, and takes its lane', async () => {
    const account = newAccount();
    const window: QuotaWindow = { scope: `num:${randomUUID()}:sms`, limit: 2, windowMs: 300 };
    const admission = admitter();
    // Two admitted, one placed: the line's lanes are then the second unit's and the one placed.
    const results = await admitMany(admission, account, 3, [window]);
    const placed = results[2];
    if (placed?.outcome !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(placed)}`);
    const lanesKey = QuotaAdmission.lanesKey(account, window.scope);
    // Once the second unit has left, a newcomer finds the line's free lane and room at once, and takes the lane.
    await sleepUntil((results[1]?.outcome === 'admitted' ? (results[1].settledAt ?? 0) : 0) + 300 + GUARD + 2);
    const [newcomer] = await admitMany(admission, account, 1, [window]);
    expect(newcomer?.outcome).toBe('admitted');
    const lanes = (await redis.zrange(lanesKey, 0, -1, 'WITHSCORES')).filter((_, k) => k % 2 === 1).map(Number);
    expect(lanes).toHaveLength(2);
    // Both lanes are now a window after their takers: the placed one's and the newcomer's.
    expect(lanes[0]).toBeCloseTo(placed.retryAt + 300 + GUARD, MICROSECONDS);
    expect(lanes[1]).toBeGreaterThan((newcomer?.now ?? 0) + 300 + GUARD - 1);
  });

  it('fails a message whose retry would be past its deadline, recording nothing and starting no line', async () => {
    const account = newAccount();
    const window = mps(1);
    const admission = admitter();
    await admitMany(admission, account, 1, [window]);
    const now = await redisNow();
    const expired = await admission.admit({ rootAccountId: account, messageUuid: randomUUID(), cost: 1, deadline: now + 100, windows: [window] });
    expect(expired.outcome).toBe('expired');
    expect(await units(account, window)).toBe(1);
    expect(await redis.exists(QuotaAdmission.lanesKey(account, window.scope))).toBe(0);
  });

  it('takes back the units of a released admission', async () => {
    const account = newAccount();
    const window = mps(1);
    const admission = admitter();
    const first = await admitOne(admission, account, window);
    await admission.release(first.admission);
    expect(await units(account, window)).toBe(0);
    expect((await admitMany(admission, account, 1, [window]))[0]?.outcome).toBe('admitted');
  });

  it('counts a unit in flight wherever it lands, then from the carrier\'s answer once settled', async () => {
    const account = newAccount();
    const window = mps(1);
    const admission = admitter();
    const first = await admitOne(admission, account, window, true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // In flight for 300 ms: the next one waits at least a full window from now, not from the admission.
    const [waiting] = await admitMany(admission, account, 1, [window], 1, true);
    if (waiting?.outcome !== 'refused') throw new Error('expected a refusal');
    expect(waiting.retryAt).toBeGreaterThanOrEqual(waiting.now + 1_000 + GUARD);
    // The carrier answered a moment ago, on this process's clock: counted from no earlier than that.
    const answeredAt = preciseNowMs();
    const settledAt = await admission.settle(first.admission, answeredAt);
    expect(settledAt).toBeGreaterThanOrEqual(first.now + 300);
    // Taken at the latest the clock offset allows: past Redis now by at most half a round trip.
    expect(settledAt).toBeLessThanOrEqual((await redisNow()) + 5);
    const key = QuotaAdmission.windowKey(account, window.scope);
    const [member, score] = await redis.zrangebyscore(key, '(0', '+inf', 'WITHSCORES');
    expect(member).toBe(`${first.admission.member}:1`);
    expect(Number(score)).toBeCloseTo(settledAt, MICROSECONDS);
    // This process's clock against Redis's: the same host, so within a few milliseconds.
    expect(Math.abs(admission.redisTimeOf(preciseNowMs()) - (await redisNow()))).toBeLessThan(50);
  });

  it('counts a unit never settled as answered once its time in flight has passed', async () => {
    const account = newAccount();
    const window: QuotaWindow = { scope: `num:${randomUUID()}:sms`, limit: 1, windowMs: 200 };
    const admission = admitter(100);
    const first = await admitOne(admission, account, window, true);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const [next] = await admitMany(admission, account, 1, [window], 1, true);
    expect(next).toMatchObject({ outcome: 'refused', retryAt: first.now + 100 + 200 + GUARD });
  });

  it('does not bring back a released admission when settling it', async () => {
    const account = newAccount();
    const window = mps(1);
    const admission = admitter();
    const first = await admitOne(admission, account, window, true);
    await admission.release(first.admission);
    await admission.settle(first.admission);
    expect(await units(account, window)).toBe(0);
  });

  describe('after Redis lost a sent window', () => {
    let dataSource: DataSource;

    beforeAll(async () => {
      dataSource = await createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 2 }).initialize();
    });

    afterAll(async () => {
      await dataSource.destroy();
    });

    const recordSends = (accountId: string, src: string, count: number, sentAt: number): Promise<void> => recordDeliveredSends(dataSource, accountId, src, count, sentAt);

    async function plannedWindows(accountId: string, src: string, quotas: MessageQuotas) {
      const planned = await quotas.plan({ accountId, type: MessageType.Sms, src, dst: testNumber('202') });
      if (!planned?.plan.ok) throw new Error('no quota plan');
      return { rootAccountId: planned.rootAccountId, windows: planned.plan.windows };
    }

    it('rebuilds it from the sends Postgres recorded before admitting anything on it', async () => {
      const account = await createTestAccount(dataSource, { smsMps: 5 });
      const src = testNumber('888');
      await registerTestNumber(dataSource, account.authId, src, { type: 'short_code' });
      const quotas = new MessageQuotas(new QuotaContextRepository(dataSource, 1_000));
      const admission = new QuotaAdmission(redis, GUARD, PENDING, countedSends(new RecentSendsRepository(dataSource), quotas));
      // Five sends 300 ms ago fill the account's 5 MPS for 700 ms more; Redis has no trace of them.
      const sentAt = Math.floor(await redisNow()) - 300;
      await recordSends(account.authId, src, 5, sentAt);
      const { rootAccountId, windows } = await plannedWindows(account.authId, src, quotas);
      const mpsWindow = windows.find((w) => w.kind === 'account_mps');
      if (!mpsWindow) throw new Error('no account MPS window');

      const result = await admission.admit({ rootAccountId, messageUuid: randomUUID(), cost: 1, deadline: await farFuture(), windows });
      if (result.outcome !== 'refused') throw new Error(`expected a refusal, got ${result.outcome}`);
      // The scope sent within the last second, so the key was lost, not expired: as many units as
      // that second recorded stand for sends that may still be in flight, counted from the rebuild.
      expect(await units(rootAccountId, mpsWindow)).toBe(10);
      expect(result.retryAt).toBeGreaterThanOrEqual(sentAt + 300 + 1_000 + GUARD);
      expect(result.retryAt).toBeLessThanOrEqual(result.now + 1_000 + GUARD);
    });

    it('adds nothing for sends in flight when the scope recorded none in the last second', async () => {
      // Half a message a second: one unit in any two seconds.
      const account = await createTestAccount(dataSource, { smsMps: 0.5 });
      const src = testNumber('888');
      await registerTestNumber(dataSource, account.authId, src, { type: 'short_code' });
      const quotas = new MessageQuotas(new QuotaContextRepository(dataSource, 1_000));
      const admission = new QuotaAdmission(redis, GUARD, PENDING, countedSends(new RecentSendsRepository(dataSource), quotas));
      // A send 1.5 s ago is still in its two-second window, but older than the in-flight allowance.
      const sentAt = Math.floor(await redisNow()) - 1_500;
      await recordSends(account.authId, src, 1, sentAt);
      const { rootAccountId, windows } = await plannedWindows(account.authId, src, quotas);
      const mpsWindow = windows.find((w) => w.kind === 'account_mps');
      if (!mpsWindow) throw new Error('no account MPS window');
      expect(mpsWindow).toMatchObject({ limit: 1, windowMs: 2_000 });

      const result = await admission.admit({ rootAccountId, messageUuid: randomUUID(), cost: 1, deadline: await farFuture(), windows });
      expect(result).toMatchObject({ outcome: 'refused', retryAt: sentAt + 2_000 + GUARD });
      expect(await units(rootAccountId, mpsWindow)).toBe(1);
    });

    it('rebuilds it once for the admissions that find it missing together; those asking meanwhile go after them', async () => {
      const account = await createTestAccount(dataSource, { smsMps: 5 });
      const src = testNumber('888');
      await registerTestNumber(dataSource, account.authId, src, { type: 'short_code' });
      const quotas = new MessageQuotas(new QuotaContextRepository(dataSource, 1_000));
      const sends = countedSends(new RecentSendsRepository(dataSource), quotas);
      let reads = 0;
      let readStarted: () => void = () => undefined;
      const reading = new Promise<void>((resolve) => (readStarted = resolve));
      let letReadFinish: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (letReadFinish = resolve));
      const admission = new QuotaAdmission(redis, GUARD, PENDING, async (rootAccountId, since) => {
        reads += 1;
        readStarted();
        await held;
        return sends(rootAccountId, since);
      });
      const { rootAccountId, windows } = await plannedWindows(account.authId, src, quotas);
      const deadline = await farFuture();
      const order: number[] = [];
      const admit = (n: number) => admission.admit({ rootAccountId, messageUuid: randomUUID(), cost: 1, deadline, windows }).then((result) => (order.push(n), result));
      const first = [1, 2, 3, 4].map(admit);
      await reading;
      // Asked while the windows are being rebuilt: behind the four that found them missing.
      const later = [5, 6, 7].map(admit);
      letReadFinish();
      const results = await Promise.all([...first, ...later]);
      expect(reads).toBe(1);
      expect(order).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(results.map((r) => r.outcome)).toEqual(['admitted', 'admitted', 'admitted', 'admitted', 'admitted', 'refused', 'refused']);
    });

    it('leaves a window Redis still has as it is: sends are not counted twice', async () => {
      const account = await createTestAccount(dataSource, { smsMps: 5 });
      const src = testNumber('888');
      await registerTestNumber(dataSource, account.authId, src, { type: 'short_code' });
      const quotas = new MessageQuotas(new QuotaContextRepository(dataSource, 1_000));
      const admission = new QuotaAdmission(redis, GUARD, PENDING, countedSends(new RecentSendsRepository(dataSource), quotas));
      const { rootAccountId, windows } = await plannedWindows(account.authId, src, quotas);
      const deadline = await farFuture();
      const admit = () => admission.admit({ rootAccountId, messageUuid: randomUUID(), cost: 1, deadline, windows });
      const first = await admit();
      if (first.outcome !== 'admitted') throw new Error('expected an admission');
      // Recorded in Postgres since (say, by a dispatcher that admitted them earlier): a window Redis still has is not rebuilt.
      await recordSends(account.authId, src, 3, first.now);
      const more = [await admit(), await admit(), await admit(), await admit()];
      expect(more.map((r) => r.outcome)).toEqual(['admitted', 'admitted', 'admitted', 'admitted']);
      expect((await admit()).outcome).toBe('refused');
    });
  });
});
