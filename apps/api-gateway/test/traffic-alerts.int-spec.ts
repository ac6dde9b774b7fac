// Unusual-traffic alerts end to end in the gateway: two replicas (in-process gateways) take
// real sends, count them together in real Redis, and publish on real Kafka; the admin API
// reads the recorded alerts.
import { OpsAlertKind, OpsAlertPayload, Topic } from '@sluice/contracts';
import { MetricsRegistry } from '@sluice/observability';
import { OpsAlertRepository } from '@sluice/persistence';
import { eventually, testInfrastructure } from '@sluice/testing';
import Redis from 'ioredis';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { randomInt, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { trafficKey } from '../src/traffic/redis-traffic.store';
import { TrafficMonitor } from '../src/traffic/traffic-monitor.service';
import { Admin, basic, startTestGateway, TestGateway } from './gateway-harness';

type Account = { authId: string; authToken: string; src: string };

const OTP_TEXT = 'Your verification code is 482913';
const KINDS = Object.values(OpsAlertKind);

/** `count` distinct dialable numbers in one area code, unique to this run. */
function numbers(areaCode: string, count: number): string[] {
  const start = randomInt(0, 9_000);
  return Array.from({ length: count }, (_, i) => `1${areaCode}${randomInt(200, 1_000)}${String((start + i) % 10_000).padStart(4, '0')}`);
}

describe('unusual-traffic alerts across two gateway replicas (real Redis, Kafka, Postgres)', () => {
  let a: TestGateway;
  let b: TestGateway;
  let admin: Admin;
  let redis: Redis;
  let consumer: Consumer;
  const published: OpsAlertPayload[] = [];
  const accounts = new Set<string>();

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestGateway(), startTestGateway()]);
    admin = new Admin(a.url);
    redis = new Redis(testInfrastructure().redisUrl);
    const kafka = new Kafka({ clientId: 'traffic-alerts-int-spec', brokers: testInfrastructure().kafkaBrokers, logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `traffic-alerts-int-spec-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: Topic.OpsAlerts, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const payload = JSON.parse(message.value?.toString('utf8') ?? '{}') as OpsAlertPayload;
        if (accounts.has(payload.accountId)) published.push(payload);
      },
    });
  }, 90_000);

  afterAll(async () => {
    await consumer?.disconnect();
    redis?.disconnect();
    await Promise.all([a?.close(), b?.close()]);
  });

  async function account(): Promise<Account> {
    const created = await admin.account();
    accounts.add(created.authId);
    return { ...created, src: await admin.sender(created.authId) };
  }

  async function send(gateway: TestGateway, from: Account, dst: readonly string[], text: string): Promise<void> {
    const response = await fetch(`${gateway.url}/v1/Account/${from.authId}/Message/`, {
      method: 'POST',
      headers: { authorization: basic(from), 'content-type': 'application/json' },
      body: JSON.stringify({ src: from.src, dst: dst.join('<'), text }),
    });
    expect(response.status).toBe(202);
  }

  /** Both replicas hand their tallies to Redis and publish what is due. */
  async function flush(): Promise<void> {
    await a.app.get(TrafficMonitor).flush();
    await b.app.get(TrafficMonitor).flush();
  }

  /** Alerts both replicas published, by kind. */
  async function alertCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const gateway of [a, b]) {
      const metric = await gateway.app.get(MetricsRegistry).registry.getSingleMetric('sluice_gateway_traffic_alerts_total')?.get();
      for (const kind of KINDS) counts[kind] = (counts[kind] ?? 0) + (metric?.values.find((v) => v.labels['kind'] === kind)?.value ?? 0);
    }
    return counts;
  }

  async function alertsOf(accountId: string, count: number): Promise<OpsAlertPayload[]> {
    return eventually(
      async () => {
        const found = published.filter((p) => p.accountId === accountId);
        return found.length >= count ? found : undefined;
      },
      30_000,
      `${count} alert(s) for ${accountId} on ${Topic.OpsAlerts}`,
    );
  }

  /** Makes the account look watched for two hours and already sending to 212, as a history in Redis would. */
  async function giveHistory(accountId: string, perMinute = 0): Promise<void> {
    const [seconds] = await redis.time();
    const now = Number(seconds) * 1000;
    const minute = Math.floor(now / 60_000);
    const base = trafficKey(accountId);
    await redis.hset(`${base}:prefixes`, '#since', String(now - 2 * 3_600_000), 'US:212', `${now - 60_000}:${now - 60_000}:-1`);
    await redis.pexpire(`${base}:prefixes`, 3_600_000);
    if (perMinute > 0) {
      const fields: string[] = [];
      for (let m = minute - 61; m <= minute - 2; m += 1) fields.push(`m${m}`, String(perMinute));
      await redis.hset(`${base}:minutes`, ...fields);
      await redis.pexpire(`${base}:minutes`, 3_600_000);
    }
  }

  it('sees SMS pumping split over two replicas, alerts once, and keeps no number in Redis', async () => {
    const pumper = await account();
    const first = numbers('646', 30);
    const second = numbers('917', 30);
    const before = await alertCounts();

    await send(a, pumper, first, OTP_TEXT);
    await flush();
    expect(await alertCounts()).toEqual(before);

    await send(b, pumper, second, OTP_TEXT);
    await flush();
    expect((await alertCounts())[OpsAlertKind.SmsPumping]).toBe((before[OpsAlertKind.SmsPumping] ?? 0) + 1);

    // The cooldown is shared: more of the same on either replica raises nothing new.
    await send(a, pumper, numbers('212', 30), OTP_TEXT);
    await send(b, pumper, numbers('212', 30), OTP_TEXT);
    await flush();
    expect((await alertCounts())[OpsAlertKind.SmsPumping]).toBe((before[OpsAlertKind.SmsPumping] ?? 0) + 1);

    const [alert] = await alertsOf(pumper.authId, 1);
    expect(alert).toMatchObject({ kind: OpsAlertKind.SmsPumping, accountId: pumper.authId });
    expect(Number(alert?.details['distinct_destinations'])).toBeGreaterThanOrEqual(58);
    expect(Number(alert?.details['distinct_destinations'])).toBeLessThanOrEqual(62);
    const shown = JSON.stringify(alert);
    for (const number of [...first, ...second]) expect(shown).not.toContain(number.slice(1));
    expect(shown).not.toContain('482913');

    const keys = await redis.keys(`${trafficKey(pumper.authId)}*`);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) {
      expect(await redis.pttl(key)).toBeGreaterThan(0);
      const type = await redis.type(key);
      const stored = type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : ((await redis.getBuffer(key)) ?? Buffer.alloc(0)).toString('latin1');
      for (const number of [...first, ...second]) expect(stored).not.toContain(number.slice(1));
    }
  });

  it('raises nothing for a quiet account', async () => {
    const quiet = await account();
    await giveHistory(quiet.authId);
    const before = await alertCounts();
    await send(a, quiet, numbers('212', 3), OTP_TEXT);
    await flush();
    expect(await alertCounts()).toEqual(before);
  });

  it('raises a rate spike against the shared baseline, and none for an account whose baseline is as busy', async () => {
    const spiking = await account();
    const busy = await account();
    await giveHistory(spiking.authId, 1);
    await giveHistory(busy.authId, 100);
    const before = await alertCounts();

    for (const sender of [spiking, busy]) {
      await send(a, sender, numbers('212', 35), 'Big sale this weekend only, visit our store');
      await send(b, sender, numbers('212', 35), 'Big sale this weekend only, visit our store');
    }
    await flush();

    expect((await alertCounts())[OpsAlertKind.RateSpike]).toBe((before[OpsAlertKind.RateSpike] ?? 0) + 1);
    const [alert] = await alertsOf(spiking.authId, 1);
    expect(alert).toMatchObject({ kind: OpsAlertKind.RateSpike, details: { baseline_per_minute: 1, baseline_minutes: 60 } });
    expect(Number(alert?.details['messages_per_minute'])).toBeGreaterThanOrEqual(60);
    expect(published.filter((p) => p.accountId === busy.authId)).toEqual([]);
  });

  it('raises a burst to an area code the account had not sent to, counted over both replicas', async () => {
    const bursting = await account();
    const steady = await account();
    await giveHistory(bursting.authId);
    await giveHistory(steady.authId);
    const before = await alertCounts();

    await send(a, bursting, numbers('646', 10), 'Your parcel is on its way');
    await send(a, steady, numbers('212', 25), 'Your parcel is on its way');
    await flush();
    expect(await alertCounts()).toEqual(before);
    await send(b, bursting, numbers('646', 10), 'Your parcel is on its way');
    await flush();

    expect(await alertCounts()).toEqual({ ...before, [OpsAlertKind.NewDestination]: (before[OpsAlertKind.NewDestination] ?? 0) + 1 });
    const [alert] = await alertsOf(bursting.authId, 1);
    expect(alert).toMatchObject({ kind: OpsAlertKind.NewDestination, details: { prefix: 'US:646', area_code: '646', messages: 20 } });
    expect(published.filter((p) => p.accountId === steady.authId)).toEqual([]);
  });

  it('never throws from observe, whatever it is handed', () => {
    const monitor = a.app.get(TrafficMonitor);
    const caller = { authId: 'MAOBSERVE00000000000', parentAuthId: null, rootAuthId: 'MAOBSERVE00000000000', isSubaccount: false, apiRequestRate: null };
    expect(() => monitor.observe(caller, { text: OTP_TEXT, destinations: ['12125550100'] }, [], ['x'])).not.toThrow();
    expect(() => monitor.observe(caller, { text: OTP_TEXT, destinations: [] }, [null as never], [])).not.toThrow();
  });

  describe('GET /admin/v1/alerts', () => {
    let db: DataSource;

    beforeAll(() => {
      db = a.app.get(DataSource);
    });

    async function list(query: string): Promise<{ status: number; body: { meta: Record<string, number>; objects: Array<Record<string, unknown>>; error?: string } }> {
      return admin.request('GET', `/alerts${query}`);
    }

    it('lists an account’s alerts newest first, filtered by kind, with their delivery state', async () => {
      const accountId = `MA${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`;
      const detectedAt = Date.now();
      const older: OpsAlertPayload = { alertId: randomUUID(), kind: OpsAlertKind.SmsPumping, accountId, detectedAt: detectedAt - 60_000, summary: 'older', details: { distinct_destinations: 70 } };
      const newer: OpsAlertPayload = { alertId: randomUUID(), kind: OpsAlertKind.RateSpike, accountId, detectedAt, summary: 'newer', details: { messages_per_minute: 300 } };
      const repository = new OpsAlertRepository(db);
      await repository.record([older], false);
      expect(await repository.record([newer, newer], true)).toEqual(new Set([newer.alertId]));
      // Out of reach of any callback-service delivering alerts meanwhile.
      await db.query(`UPDATE ops_alerts SET next_attempt_at = now() + interval '1 hour' WHERE alert_id = $1`, [newer.alertId]);
      expect(await repository.record([newer], true)).toEqual(new Set());

      const all = await list(`?account_id=${accountId}`);
      expect(all.status).toBe(200);
      expect(all.body.meta).toMatchObject({ limit: 20, offset: 0, total_count: 2 });
      expect(all.body.objects.map((o) => o['alert_id'])).toEqual([newer.alertId, older.alertId]);
      expect(all.body.objects[0]).toMatchObject({
        kind: 'rate_spike',
        account_id: accountId,
        detected_at: new Date(detectedAt).toISOString(),
        summary: 'newer',
        details: { messages_per_minute: 300 },
        delivery_state: 'pending',
        next_attempt_at: expect.any(String),
        attempts: 0,
        delivered_at: null,
        last_error: null,
      });
      expect(all.body.objects[1]).toMatchObject({ delivery_state: 'not_configured', next_attempt_at: null });

      const pumping = await list(`?account_id=${accountId}&kind=sms_pumping&limit=1`);
      expect(pumping.body.objects.map((o) => o['alert_id'])).toEqual([older.alertId]);
      expect((await list(`?account_id=${accountId}&limit=1&offset=1`)).body.objects.map((o) => o['alert_id'])).toEqual([older.alertId]);
      await db.query(`UPDATE ops_alerts SET state = 'delivered', next_attempt_at = NULL WHERE alert_id = $1`, [newer.alertId]);
    });

    it('names the parameter of a bad query', async () => {
      for (const [query, error] of [
        ['?kind=fraud', 'kind: must be one of'],
        ['?account_id=nope', 'account_id: must be an auth id'],
        ['?limit=0', 'limit: must be 1 to 100'],
      ] as const) {
        const answer = await list(query);
        expect(answer.status).toBe(400);
        expect(answer.body.error).toContain(error);
      }
    });
  });
});
