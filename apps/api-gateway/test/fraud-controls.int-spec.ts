// Sender ownership, geo permissions, country thresholds and monthly spending limits, through the
// gateway on real Postgres, Redis and Kafka (the operator alerts are read back from ops.alerts.v1).
import { MessageErrorCode, MessageState, OpsAlertKind, OpsAlertPayload, Topic } from '@sluice/contracts';
import { MessageRepository } from '@sluice/persistence';
import { eventually, testInfrastructure } from '@sluice/testing';
import { connectTestDatabase } from '@sluice/testing-data';
import Redis from 'ioredis';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Admin, basic, senderNumber, startTestGateway, TestGateway } from './gateway-harness';

type Json = Record<string, unknown>;
interface Account {
  authId: string;
  authToken: string;
}
interface Row {
  message_uuid: string;
  to_number: string;
  message_state: string;
  error_code: string;
  total_amount: string;
  destination_country: string;
}

let seq = 0;
/** A US destination unique to this run (1202 routes to AT&T). */
function us(): string {
  seq += 1;
  return `1202${String(5_000_000 + ((Date.now() + seq) % 4_000_000)).padStart(7, '0')}`;
}
const GB = '+442071838750';
const found = <T>(value: T | undefined): T => {
  if (value === undefined) throw new Error('expected row not found');
  return value;
};
const CA = '+14165550123';

describe('fraud controls at acceptance', () => {
  let gateway: TestGateway;
  let admin: Admin;
  let db: DataSource;
  let consumer: Consumer;
  const alerts: OpsAlertPayload[] = [];

  beforeAll(async () => {
    [gateway, db] = await Promise.all([startTestGateway(), connectTestDatabase()]);
    admin = new Admin(gateway.url);
    const kafka = new Kafka({ clientId: 'fraud-controls-test', brokers: testInfrastructure().kafkaBrokers, logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `fraud-controls-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: Topic.OpsAlerts, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) alerts.push(JSON.parse(message.value.toString('utf8')) as OpsAlertPayload);
      },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([gateway?.close(), db?.destroy(), consumer?.disconnect()]);
  });

  async function send(account: Account, body: Json, url = gateway.url): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${url}/v1/Account/${account.authId}/Message/`, {
      method: 'POST',
      headers: { authorization: basic(account), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function rows(uuids: readonly string[]): Promise<Row[]> {
    return db.query(
      `SELECT message_uuid, to_number, message_state, error_code, total_amount::text, destination_country FROM messages WHERE message_uuid = ANY($1::uuid[]) ORDER BY message_time, to_number`,
      [uuids],
    );
  }

  async function sent(account: Account, body: Json, url = gateway.url): Promise<Row[]> {
    const answer = await send(account, body, url);
    expect(answer.status).toBe(202);
    return rows(answer.body['message_uuid'] as string[]);
  }

  const states = (list: readonly Row[]) => list.map((r) => r.error_code).sort();
  const alertsOf = (accountId: string, kind: OpsAlertKind) => alerts.filter((a) => a.accountId === accountId && a.kind === kind);

  describe('sender numbers', () => {
    it('refuses a src that is not a number of the account or of its parent with Plivo’s 400, and takes the parent’s number from a subaccount', async () => {
      const parent = await admin.account();
      const sub = await admin.subaccount(parent.authId);
      const other = await admin.account();
      const parentNumber = await admin.sender(parent.authId);
      const subNumber = await admin.sender(sub.authId);
      const refused = { status: 400, body: { error: 'src: This caller ID is not allowed for outbound message' } };

      expect(await send(other, { src: parentNumber, dst: us(), text: 'not mine' })).toMatchObject(refused);
      expect(await send(other, { src: `+${senderNumber()}`, dst: us(), text: 'nobody’s' })).toMatchObject(refused);
      expect(await send(parent, { src: subNumber, dst: us(), text: 'a subaccount’s' })).toMatchObject(refused);
      expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE account_id = $1`, [other.authId]))[0].n).toBe(0);

      expect((await send(sub, { src: parentNumber, dst: us(), text: 'the parent’s' })).status).toBe(202);
      expect((await send(sub, { src: subNumber, dst: us(), text: 'its own' })).status).toBe(202);
      expect((await send(parent, { src: parentNumber, dst: us(), text: 'its own' })).status).toBe(202);
    });

    it('refuses a number once it moves to another account', async () => {
      const [first, second] = [await admin.account(), await admin.account()];
      const number = await admin.sender(first.authId);
      expect((await send(first, { src: number, dst: us(), text: 'x' })).status).toBe(202);
      await admin.request('PUT', `/numbers/${number}`, { account_id: second.authId, country: 'US', number_type: 'long_code' });
      expect((await send(first, { src: number, dst: us(), text: 'x' })).status).toBe(400);
      expect((await send(second, { src: number, dst: us(), text: 'x' })).status).toBe(202);
    });
  });

  describe('geo permissions', () => {
    it('fails a destination in a barred country with 450 at acceptance, uncharged, with its queued and failed history', async () => {
      const account = await admin.account();
      const src = await admin.sender(account.authId);
      const dst = us();
      const accepted = await sent(account, { src, dst: `${GB}<${dst}<+4420718`, text: 'geo' });
      const gb = found(accepted.find((r) => r.destination_country === 'GB'));
      const usRow = accepted.find((r) => r.destination_country === 'US');
      expect(gb).toMatchObject({ to_number: '442071838750', message_state: 'failed', error_code: '450', total_amount: '0.00000', destination_country: 'GB' });
      expect(usRow).toMatchObject({ to_number: dst, message_state: 'queued', error_code: '000', total_amount: '0.00500' });
      const history = await db.query(`SELECT sequence, state, error_code FROM status_events WHERE message_uuid = $1 ORDER BY sequence`, [gb.message_uuid]);
      expect(history).toEqual([
        { sequence: 1, state: 'queued', error_code: '000' },
        { sequence: 2, state: 'failed', error_code: '450' },
      ]);
    });

    it('gives US and CA by default, an account’s own settings, its parent’s to a subaccount, and a subaccount’s override', async () => {
      const parent = await admin.account();
      const sub = await admin.subaccount(parent.authId);
      const src = await admin.sender(parent.authId);
      expect((await admin.request('GET', `/accounts/${sub.authId}/geo-permissions`)).body).toEqual({ auth_id: sub.authId, source: 'default', allowed_countries: ['US', 'CA'], thresholds: [] });
      expect(states(await sent(sub, { src, dst: CA, text: 'ca' }))).toEqual(['000']);

      expect((await admin.request('PUT', `/accounts/${parent.authId}/geo-permissions`, { allowed_countries: ['us'] })).body).toMatchObject({ source: 'account', allowed_countries: ['US'] });
      expect(states(await sent(parent, { src, dst: CA, text: 'ca' }))).toEqual(['450']);
      expect(states(await sent(sub, { src, dst: CA, text: 'ca' }))).toEqual(['450']);
      expect((await admin.request('GET', `/accounts/${sub.authId}/geo-permissions`)).body).toMatchObject({ source: 'parent', allowed_countries: ['US'] });

      await admin.request('PUT', `/accounts/${sub.authId}/geo-permissions`, { allowed_countries: ['US', 'CA'] });
      expect(states(await sent(sub, { src, dst: CA, text: 'ca' }))).toEqual(['000']);
      expect(states(await sent(parent, { src, dst: CA, text: 'ca' }))).toEqual(['450']);

      expect((await admin.request('DELETE', `/accounts/${sub.authId}/geo-permissions`)).status).toBe(204);
      expect(states(await sent(sub, { src, dst: CA, text: 'ca' }))).toEqual(['450']);
    });

    it('keeps an allowed country without a rate an invalid_number, as any destination Sluice does not route to', async () => {
      const account = await admin.account();
      const src = await admin.sender(account.authId);
      await admin.request('PUT', `/accounts/${account.authId}/geo-permissions`, { allowed_countries: ['US', 'GB'] });
      const answer = await send(account, { src, dst: `${GB}<${us()}`, text: 'no route' });
      expect(answer).toMatchObject({ status: 202, body: { invalid_number: [GB.slice(1)] } });
      expect(await send(account, { src, dst: GB, text: 'no route' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^dst: has no destination Sluice can send to/) } });
    });

    it('validates the settings, naming the field', async () => {
      const account = await admin.account();
      const path = `/accounts/${account.authId}/geo-permissions`;
      for (const [body, error] of [
        [{ allowed_countries: ['US', 'XX'] }, 'allowed_countries.1: must be an ISO 3166 alpha-2 country code such as US'],
        [{ allowed_countries: ['US'], thresholds: [{ country: 'CA', messages_per_hour: 10, action: 'block' }] }, 'thresholds.0.country: is not in allowed_countries'],
        [{ allowed_countries: ['US'], thresholds: [{ country: 'US', messages_per_hour: 0, action: 'block' }] }, 'thresholds.0.messages_per_hour: must be 1 or more'],
        [{ allowed_countries: ['US'], thresholds: [{ country: 'US', messages_per_hour: 5, action: 'shout' }] }, 'thresholds.0.action: must be block, alert or ignore'],
        [{ allowed_countries: ['US'], thresholds: [{ country: 'US', messages_per_hour: 5, action: 'alert' }, { country: 'US', messages_per_hour: 6, action: 'block' }] }, 'thresholds.1.country: has a threshold already'],
        [{}, 'allowed_countries: is required'],
      ] as const) {
        expect(await admin.request('PUT', path, body)).toMatchObject({ status: 400, body: { error } });
      }
      expect((await admin.request('PUT', '/accounts/MAZZZZZZZZZZZZZZZZZZ/geo-permissions', { allowed_countries: ['US'] })).status).toBe(404);
      expect((await admin.request('GET', '/accounts/MAZZZZZZZZZZZZZZZZZZ/geo-permissions')).status).toBe(404);
    });
  });

  describe.each([
    ['Redis', {}],
    ['Postgres', { REDIS_URL: undefined }],
  ] as const)('country thresholds counted in %s', (_store, env) => {
    let one: TestGateway;
    let two: TestGateway;

    beforeAll(async () => {
      [one, two] = await Promise.all([startTestGateway(env), startTestGateway(env)]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([one?.close(), two?.close()]);
    });

    it('blocks past the threshold with 451 for the rest of the hour, counting across replicas, and alerts once', async () => {
      const account = await new Admin(one.url).account();
      const src = await new Admin(one.url).sender(account.authId);
      await new Admin(one.url).request('PUT', `/accounts/${account.authId}/geo-permissions`, {
        allowed_countries: ['US', 'CA'],
        thresholds: [{ country: 'US', messages_per_hour: 5, action: 'block' }],
      });
      const batch = () => Array.from({ length: 4 }, us).join('<');
      const [a, b] = await Promise.all([sent(account, { src, dst: batch(), text: 'one' }, one.url), sent(account, { src, dst: batch(), text: 'two' }, two.url)]);
      const codes = states([...a, ...b]);
      expect(codes).toEqual(['000', '000', '000', '000', '000', '451', '451', '451']);
      expect([...a, ...b].filter((r) => r.error_code === '451').every((r) => r.total_amount === '0.00000' && r.message_state === 'failed')).toBe(true);
      // Later in the hour every message fails; another country is not affected.
      expect(states(await sent(account, { src, dst: us(), text: 'later' }, two.url))).toEqual(['451']);
      expect(states(await sent(account, { src, dst: CA, text: 'canada' }, one.url))).toEqual(['000']);
      await eventually(async () => (alertsOf(account.authId, OpsAlertKind.CountryThreshold).length > 0 ? true : undefined), 10_000, 'the country threshold alert');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const raised = alertsOf(account.authId, OpsAlertKind.CountryThreshold);
      expect(raised).toHaveLength(1);
      expect(raised[0]?.details).toMatchObject({ country: 'US', messages_per_hour: 5, action: 'block' });
    });

    it('alerts once past an alert threshold and lets every message through; ignores an ignore threshold', async () => {
      const account = await new Admin(one.url).account();
      const src = await new Admin(one.url).sender(account.authId);
      await new Admin(one.url).request('PUT', `/accounts/${account.authId}/geo-permissions`, {
        allowed_countries: ['US', 'CA'],
        thresholds: [
          { country: 'US', messages_per_hour: 2, action: 'alert' },
          { country: 'CA', messages_per_hour: 1, action: 'ignore' },
        ],
      });
      expect(states(await sent(account, { src, dst: [us(), us(), us()].join('<'), text: 'x' }, one.url))).toEqual(['000', '000', '000']);
      expect(states(await sent(account, { src, dst: [us(), CA, '+14165550124'].join('<'), text: 'x' }, two.url))).toEqual(['000', '000', '000']);
      await eventually(async () => (alertsOf(account.authId, OpsAlertKind.CountryThreshold).length > 0 ? true : undefined), 10_000, 'the alert');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(alertsOf(account.authId, OpsAlertKind.CountryThreshold).map((a) => a.details['country'])).toEqual(['US']);
    });

    it('holds a block past the hour window when block_minutes asks for it', async () => {
      const account = await new Admin(one.url).account();
      const src = await new Admin(one.url).sender(account.authId);
      await new Admin(one.url).request('PUT', `/accounts/${account.authId}/geo-permissions`, {
        allowed_countries: ['US'],
        thresholds: [{ country: 'US', messages_per_hour: 1, action: 'block', block_minutes: 10_080 }],
      });
      expect(states(await sent(account, { src, dst: [us(), us()].join('<'), text: 'x' }, one.url))).toEqual(['000', '451']);
      // A week from now, whichever store keeps it.
      const until = await eventually(
        async () => {
          const [row] = await db.query(`SELECT blocked_until FROM geo_hourly_counts WHERE account_id = $1`, [account.authId]);
          if (row?.blocked_until) return (row.blocked_until as Date).getTime();
          const redis = new Redis(testInfrastructure().redisUrl);
          try {
            const value = await redis.hget(`{sluice:geo:${account.authId}}:US`, 'blocked_until');
            return value ? Number(value) : undefined;
          } finally {
            redis.disconnect();
          }
        },
        5_000,
        'the block marker',
      );
      expect(until).toBeGreaterThan(Date.now() + 6 * 24 * 3_600_000);
    });
  });

  describe('monthly spending limits', () => {
    it('fails sends that would pass the limit with 490, uncharged, and alerts at 80 % and at 100 %, once each', async () => {
      const account = await admin.account();
      const src = await admin.sender(account.authId);
      expect((await admin.request('PUT', `/accounts/${account.authId}/spend-limit`, { monthly_limit: '0.01' })).body).toMatchObject({
        auth_id: account.authId,
        monthly_limit: '0.01000',
        covers: 'account_and_subaccounts',
        spend: '0.00000',
      });
      // US SMS cost 0.005: two fit, the third would pass the limit.
      const first = await sent(account, { src, dst: [us(), us(), us()].join('<'), text: 'spend' });
      expect(states(first)).toEqual(['000', '000', '490']);
      expect(first.find((r) => r.error_code === '490')).toMatchObject({ message_state: 'failed', total_amount: '0.00000' });
      expect(states(await sent(account, { src, dst: us(), text: 'more' }))).toEqual(['490']);
      expect((await admin.request('GET', `/accounts/${account.authId}/spend-limit`)).body).toMatchObject({ spend: '0.01000' });

      await eventually(async () => (alertsOf(account.authId, OpsAlertKind.SpendLimit).length >= 2 ? true : undefined), 10_000, 'the spend alerts');
      expect(states(await sent(account, { src, dst: us(), text: 'again' }))).toEqual(['490']);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(alertsOf(account.authId, OpsAlertKind.SpendLimit).map((a) => a.details['level']).sort()).toEqual([100, 80]);

      // A message that later fails uncharged (here: expired) gives its amount back.
      const queued = found(first.find((r) => r.error_code === '000'));
      await new MessageRepository(db).transition(queued.message_uuid, MessageState.Failed, MessageErrorCode.Expired, { zeroCharge: true });
      expect((await admin.request('GET', `/accounts/${account.authId}/spend-limit`)).body).toMatchObject({ spend: '0.00500' });
      expect(states(await sent(account, { src, dst: us(), text: 'room again' }))).toEqual(['000']);

      expect((await admin.request('DELETE', `/accounts/${account.authId}/spend-limit`)).status).toBe(204);
      expect((await admin.request('GET', `/accounts/${account.authId}/spend-limit`)).body).toMatchObject({ monthly_limit: null });
      expect(states(await sent(account, { src, dst: us(), text: 'no limit' }))).toEqual(['000']);
    });

    it('holds a subaccount to its parent’s limit, which covers the whole family, and to its own', async () => {
      const parent = await admin.account();
      const sub = await admin.subaccount(parent.authId);
      const src = await admin.sender(parent.authId);
      await admin.request('PUT', `/accounts/${parent.authId}/spend-limit`, { monthly_limit: '0.015' });
      expect(states(await sent(parent, { src, dst: us(), text: 'parent' }))).toEqual(['000']);
      expect(states(await sent(sub, { src, dst: [us(), us(), us()].join('<'), text: 'sub' }))).toEqual(['000', '000', '490']);
      expect((await admin.request('GET', `/accounts/${parent.authId}/spend-limit`)).body).toMatchObject({ spend: '0.01500' });
      expect((await admin.request('GET', `/accounts/${sub.authId}/spend-limit`)).body).toMatchObject({ monthly_limit: null, covers: 'account', spend: '0.01000' });

      const other = await admin.subaccount(parent.authId);
      await admin.request('DELETE', `/accounts/${parent.authId}/spend-limit`);
      await admin.request('PUT', `/accounts/${other.authId}/spend-limit`, { monthly_limit: '0.005' });
      expect(states(await sent(other, { src, dst: [us(), us()].join('<'), text: 'own limit' }))).toEqual(['000', '490']);
      expect(states(await sent(sub, { src, dst: us(), text: 'not limited' }))).toEqual(['000']);
    });

    it('validates the limit, naming the field', async () => {
      const account = await admin.account();
      expect(await admin.request('PUT', `/accounts/${account.authId}/spend-limit`, { monthly_limit: '-1' })).toMatchObject({
        status: 400,
        body: { error: 'monthly_limit: must be a decimal amount, 0 or more, with at most 5 decimals' },
      });
      expect((await admin.request('PUT', '/accounts/MAZZZZZZZZZZZZZZZZZZ/spend-limit', { monthly_limit: '1' })).status).toBe(404);
    });
  });

  it('documents the admin endpoints in OpenAPI', async () => {
    const spec = (await (await fetch(`${gateway.url}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(spec.paths['/admin/v1/accounts/{authId}/geo-permissions'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(spec.paths['/admin/v1/accounts/{authId}/spend-limit'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
  });
});
