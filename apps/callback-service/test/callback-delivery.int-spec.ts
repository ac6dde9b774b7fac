// callback-service as a process against real Postgres and Kafka, with local HTTP receivers as
// the customers' endpoints. The scenarios share one consumer group and run one service at a
// time (one file, in order), because every replica may claim any due callback.
import { LogMode, MessageErrorCode, MessageState, must, SmsStatusPayload } from '@sluice/contracts';
import { AccountRepository, CallbackDeliveryRepository } from '@sluice/persistence';
import { eventually, freePort, RunningApp, startApp, stopApp, testInfrastructure, waitUntilReady } from '@sluice/testing';
import { connectTestDatabase, createTestAccount } from '@sluice/testing-data';
import { randomBytes } from 'node:crypto';
import { validateV3Signature } from 'plivo';
import type { DataSource } from 'typeorm';
import { GatewayAdminStub } from './gateway-admin-stub';
import { InboundFeed } from './inbound-feed';
import { plivoTime } from '../src/callback-request';
import { outboxCopy, StatusFeed } from './status-feed';
import { ReceivedCallback, TestReceiver } from './test-receiver';

const GROUP = 'callback-int-spec';
const TOKEN_KEY = randomBytes(32);
const ADMIN_TOKEN = randomBytes(24).toString('hex');

interface Service {
  readonly app: RunningApp;
  readonly url: string;
}

async function startService(env: Record<string, string>): Promise<Service> {
  const infra = testInfrastructure();
  const port = await freePort();
  const app = startApp('callback-service', port, {
    DATABASE_URL: infra.databaseUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_GROUP_ID: GROUP,
    ACCOUNT_TOKEN_KEY: TOKEN_KEY.toString('base64'),
    ADMIN_TOKEN,
    CALLBACK_POLL_MS: '100',
    ...env,
  });
  await waitUntilReady(app);
  return { app, url: `http://127.0.0.1:${port}` };
}

/** The fields Plivo's validator needs, from a received callback. */
function signatureValid(callback: ReceivedCallback, authToken: string): boolean {
  const signature = callback.headers['x-plivo-signature-v3'];
  const nonce = callback.headers['x-plivo-signature-v3-nonce'];
  if (typeof signature !== 'string' || typeof nonce !== 'string') return false;
  const valid =
    callback.method === 'GET'
      ? validateV3Signature('GET', callback.url, nonce, authToken, signature)
      : validateV3Signature('POST', callback.url, nonce, authToken, signature, callback.params);
  return valid === true;
}

async function metric(service: Service, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('callback-service (real Kafka, Postgres and HTTP receivers)', () => {
  let dataSource: DataSource;
  let feed: StatusFeed;
  const accounts: string[] = [];

  async function account(options: { signed?: boolean; retryDelaysMs?: number[] } = {}) {
    const created = await createTestAccount(dataSource, options.signed === false ? {} : { tokenKey: TOKEN_KEY });
    if (options.retryDelaysMs) await new AccountRepository(dataSource).setCallbackRetryDelays(created.authId, options.retryDelaysMs);
    accounts.push(created.authId);
    return created;
  }

  /** Each status's delivery as the admin history reads it: its row, or its attempt alone when delivered at once. */
  async function deliveries(messageUuid: string): Promise<Array<{ sequence: number; state: string; attempts: number }>> {
    return (await new CallbackDeliveryRepository(dataSource).deliveriesOf([messageUuid])).map(({ sequence, state, attempts }) => ({ sequence, state, attempts }));
  }

  /** How many statuses of these messages are in each delivery state. */
  async function deliveryStates(messageUuids: readonly string[]): Promise<Array<{ state: string; n: number }>> {
    const counts = new Map<string, number>();
    for (const { state } of await new CallbackDeliveryRepository(dataSource).deliveriesOf(messageUuids)) counts.set(state, (counts.get(state) ?? 0) + 1);
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([state, n]) => ({ state, n }));
  }

  async function attempts(messageUuid: string): Promise<Array<{ sequence: number; attempt: number; http_status: number | null; error: string | null; succeeded: boolean }>> {
    return dataSource.query(
      `SELECT sequence, attempt, http_status, error, succeeded FROM callback_attempts WHERE message_uuid = $1 ORDER BY sequence, attempt, id`,
      [messageUuid],
    );
  }

  /** Waits until every delivery of the messages is no longer pending. */
  async function settled(messageUuids: readonly string[], count: number, timeoutMs = 30_000): Promise<void> {
    await eventually(
      async () => {
        const finished = (await deliveryStates(messageUuids)).reduce((n, s) => (s.state === 'pending' ? n : n + s.n), 0);
        return finished >= count ? true : undefined;
      },
      timeoutMs,
      `${count} finished callbacks`,
    );
  }

  beforeAll(async () => {
    dataSource = await connectTestDatabase();
    feed = new StatusFeed(dataSource);
    await feed.connect();
  });

  afterAll(async () => {
    // Nothing of this run is left for a later service to send.
    await dataSource?.query(`UPDATE callback_deliveries SET state = 'exhausted', finished_at = now() WHERE account_id = ANY($1) AND state = 'pending'`, [accounts]);
    await feed?.disconnect();
    await dataSource?.destroy();
  });

  describe('with loopback allowed and a compressed retry schedule', () => {
    let service: Service;
    const receiver = new TestReceiver();
    let base: string;

    const settings = {
      CALLBACK_ALLOWED_HOSTS: '127.0.0.0/8,::1',
      CALLBACK_TIMEOUT_MS: '1000',
      CALLBACK_LEASE_MS: '5000',
      CALLBACK_RETRY_DELAYS_MS: '300,300,300',
      CALLBACK_DESTINATION_CONCURRENCY: '4',
      CALLBACK_BREAKER_FAILURES: '50',
      CALLBACK_MAX_RESPONSE_BYTES: '65536',
      CALLBACK_FEED_HOLD_MS: '400',
    };

    beforeAll(async () => {
      base = await receiver.start();
      service = await startService(settings);
    }, 90_000);

    afterAll(async () => {
      if (service) await stopApp(service.app);
      await receiver.stop();
    });

    it("reports all five statuses with Plivo's fields and a signature the plivo SDK accepts", async () => {
      const { authId, authToken } = await account();
      const url = `${base}/five`;
      const delivered = await feed.accept({ accountId: authId, url, to: '12025550101', units: 2 });
      const undelivered = await feed.accept({ accountId: authId, url, to: '12025550***', log: LogMode.None });
      const failed = await feed.accept({ accountId: authId, url, to: '12025550103' });
      const sentAt = new Date();
      const events: SmsStatusPayload[] = [delivered.event, undelivered.event, failed.event];
      events.push(await feed.transition(delivered.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { carrierMessageId: `c-${delivered.messageUuid}`, sentAt, mcc: '310', mnc: '260' }));
      events.push(await feed.transition(delivered.messageUuid, MessageState.Delivered, MessageErrorCode.Ok, { deliveryReportAt: new Date() }));
      events.push(await feed.transition(undelivered.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { carrierMessageId: `c-${undelivered.messageUuid}`, sentAt }));
      events.push(
        await feed.transition(undelivered.messageUuid, MessageState.Undelivered, MessageErrorCode.DestinationTemporarilyUnavailable, { deliveryReportAt: new Date() }),
      );
      events.push(await feed.transition(failed.messageUuid, MessageState.Failed, MessageErrorCode.Expired, { zeroCharge: true }));
      await feed.publish(events);

      await settled([delivered.messageUuid, undelivered.messageUuid, failed.messageUuid], 8);
      const byMessage = (uuid: string) => receiver.forMessage(uuid).map((c) => c.params);
      expect(byMessage(delivered.messageUuid).map((p) => p['Status'])).toEqual(['queued', 'sent', 'delivered']);
      expect(byMessage(undelivered.messageUuid).map((p) => p['Status'])).toEqual(['queued', 'sent', 'undelivered']);
      expect(byMessage(failed.messageUuid).map((p) => p['Status'])).toEqual(['queued', 'failed']);

      const time = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
      const [queued, sent, deliveredCallback] = byMessage(delivered.messageUuid);
      expect(queued).toMatchObject({ Sequence: '1', ErrorCode: '000', SentTime: '', DeliveryReportTime: '' });
      expect(sent).toMatchObject({ Sequence: '2', ErrorCode: '000', SentTime: expect.stringMatching(time), DeliveryReportTime: '' });
      expect(deliveredCallback).toEqual({
        From: '14155550100',
        To: '12025550101',
        MessageUUID: delivered.messageUuid,
        Status: 'delivered',
        Units: '2',
        TotalRate: '0.00500',
        TotalAmount: '0.01000',
        ErrorCode: '000',
        MCC: '310',
        MNC: '260',
        Type: 'sms',
        Sequence: '3',
        MessageTime: expect.stringMatching(time),
        QueuedTime: expect.stringMatching(time),
        SentTime: expect.stringMatching(time),
        DeliveryReportTime: expect.stringMatching(time),
        ParentMessageUUID: delivered.messageUuid,
        PartInfo: '1 of 1',
        PowerpackUUID: '',
      });
      // log=false stored the number redacted; the callback reports it as stored.
      expect(byMessage(undelivered.messageUuid)[2]).toMatchObject({ To: '12025550***', ErrorCode: '80', Sequence: '3' });
      expect(byMessage(failed.messageUuid)[1]).toMatchObject({ Status: 'failed', ErrorCode: '420', TotalAmount: '0.00000', Sequence: '2', SentTime: '' });

      const all = [delivered, undelivered, failed].flatMap((m) => receiver.forMessage(m.messageUuid));
      expect(all.every((c) => c.method === 'POST' && signatureValid(c, authToken))).toBe(true);
      // A token that differs in its last character, whatever that character is.
      const wrongToken = `${authToken.slice(0, -1)}${authToken.endsWith('x') ? 'y' : 'x'}`;
      expect(all.every((c) => !signatureValid(c, wrongToken))).toBe(true);
    });

    it('sends GET with the fields in the query, after the query the url already had, signed', async () => {
      const { authId, authToken } = await account();
      const message = await feed.accept({ accountId: authId, url: `${base}/get-status?customer=7&tag=a%20b`, method: 'GET' });
      await feed.publish([message.event]);
      await settled([message.messageUuid], 1);
      const callback = must(receiver.forMessage(message.messageUuid)[0], 'the callback');
      expect(callback.method).toBe('GET');
      expect(callback.params).toMatchObject({ customer: '7', tag: 'a b', Status: 'queued', MessageUUID: message.messageUuid, Sequence: '1' });
      expect(callback.headers['content-type']).toBeUndefined();
      expect(signatureValid(callback, authToken)).toBe(true);
    });

    it('sends an unsigned callback for an account whose token was not sealed, and counts it', async () => {
      const { authId } = await account({ signed: false });
      const before = await metric(service, 'sluice_callback_unsigned_total', 'reason="no_sealed_token"');
      const message = await feed.accept({ accountId: authId, url: `${base}/unsigned` });
      await feed.publish([message.event]);
      await settled([message.messageUuid], 1);
      const callback = must(receiver.forMessage(message.messageUuid)[0], 'the callback');
      expect(callback.headers['x-plivo-signature-v3']).toBeUndefined();
      // At least: the messages other test files accept reach this consumer group too.
      expect(await metric(service, 'sluice_callback_unsigned_total', 'reason="no_sealed_token"')).toBeGreaterThanOrEqual(before + 1);
    });

    it('retries after a 500 and a timeout until a 2xx, and keeps every attempt readable through the admin endpoint', async () => {
      const { authId } = await account();
      const message = await feed.accept({ accountId: authId, url: `${base}/flaky` });
      receiver.reply = (callback, index) =>
        callback.params['MessageUUID'] !== message.messageUuid ? { status: 200 } : index === 0 ? { status: 500 } : index === 1 ? { status: 200, delayMs: 2_500 } : { status: 204 };
      await feed.publish([message.event]);
      await settled([message.messageUuid], 1);
      expect(receiver.forMessage(message.messageUuid)).toHaveLength(3);
      expect(await deliveries(message.messageUuid)).toEqual([{ sequence: 1, state: 'delivered', attempts: 3 }]);
      const recorded = await attempts(message.messageUuid);
      expect(recorded.map((a) => [a.attempt, a.http_status, a.succeeded])).toEqual([
        [1, 500, false],
        [2, null, false],
        [3, 204, true],
      ]);
      expect(must(recorded[1], 'the second attempt').error).toMatch(/no response within 1000 ms/);

      expect((await fetch(`${service.url}/admin/callbacks/${message.messageUuid}`)).status).toBe(401);
      const wrong = await fetch(`${service.url}/admin/callbacks/${message.messageUuid}`, { headers: { authorization: 'Bearer not-the-token' } });
      expect(wrong.status).toBe(401);
      const admin = await fetch(`${service.url}/admin/callbacks/${message.messageUuid}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(admin.status).toBe(200);
      const history = (await admin.json()) as { deliveries: Array<{ state: string; attempts: Array<{ http_status: number | null; latency_ms: number; attempted_at: string }> }> };
      expect(history).toMatchObject({ message_uuid: message.messageUuid, account_id: authId, deliveries: [{ sequence: 1, status: 'queued', state: 'delivered' }] });
      const attemptsRead = must(history.deliveries[0], 'the delivery').attempts;
      expect(attemptsRead.map((a) => a.http_status)).toEqual([500, null, 204]);
      // The timed-out attempt is kept with the time it waited. libuv starts a timer from the
      // event loop's cached time, so the 1,000 ms timeout can end a millisecond or so before
      // 1,000 ms have passed by the clock that measures the attempt.
      expect(must(attemptsRead[1], 'the second attempt').latency_ms).toBeGreaterThanOrEqual(990);
      const unknown = await fetch(`${service.url}/admin/callbacks/00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(unknown.status).toBe(404);
    });

    it("keeps a message's statuses in order while the earlier one is retried", async () => {
      const { authId } = await account();
      const message = await feed.accept({ accountId: authId, url: `${base}/ordered` });
      receiver.reply = (callback, index) =>
        callback.params['MessageUUID'] === message.messageUuid && callback.params['Status'] === 'queued' && index < 2 ? { status: 503 } : { status: 200 };
      const sent = await feed.transition(message.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() });
      const delivered = await feed.transition(message.messageUuid, MessageState.Delivered, MessageErrorCode.Ok, { deliveryReportAt: new Date() });
      // The later events arrive first: the history fills in the earlier status and orders them.
      await feed.publish([delivered, sent, message.event]);
      await settled([message.messageUuid], 3);
      expect(receiver.forMessage(message.messageUuid).map((c) => `${c.params['Sequence']}:${c.params['Status']}`)).toEqual([
        '1:queued',
        '1:queued',
        '1:queued',
        '2:sent',
        '3:delivered',
      ]);
    });

    it('parks a status behind its predecessor’s retry and sends it as soon as the predecessor is delivered', async () => {
      const { authId } = await account({ retryDelaysMs: [6_000] });
      const message = await feed.accept({ accountId: authId, url: `${base}/parked` });
      receiver.reply = (callback, index) =>
        callback.params['MessageUUID'] === message.messageUuid && callback.params['Status'] === 'queued' && index === 0 ? { status: 500 } : { status: 200 };
      const sent = await feed.transition(message.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() });
      await feed.publish([message.event, sent]);
      // While `queued` waits for its retry, `sent` is moved to that same time instead of being looked at by every claim.
      const parked = await eventually(
        async () => {
          const rows: Array<{ sequence: number; next_attempt_at: Date; attempts: number; claims: number }> = await dataSource.query(
            `SELECT sequence, next_attempt_at, attempts, claims FROM callback_deliveries WHERE message_uuid = $1 ORDER BY sequence`,
            [message.messageUuid],
          );
          const [first, second] = rows;
          return first?.attempts === 1 && second && second.claims === 0 && second.next_attempt_at.getTime() === first.next_attempt_at.getTime()
            ? rows
            : undefined;
        },
        5_000,
        'the sent callback to be parked behind the queued retry',
      );
      expect(must(parked[1], 'the parked delivery').next_attempt_at.getTime()).toBeGreaterThan(Date.now());
      await settled([message.messageUuid], 2);
      expect(receiver.forMessage(message.messageUuid).map((c) => c.params['Status'])).toEqual(['queued', 'queued', 'sent']);
    }, 30_000);

    it('reports the later statuses of a message it reported from their events alone, with the same fields', async () => {
      const { authId, authToken } = await account();
      const message = await feed.accept({ accountId: authId, url: `${base}/clear`, units: 2 });
      await feed.publish([message.event]);
      await settled([message.messageUuid], 1);
      const clearBefore = await metric(service, 'sluice_callback_clear_statuses_total', '');
      const sentAt = new Date(Date.now() - 1_234);
      await feed.publish([await feed.transition(message.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt, mcc: '310', mnc: '260' })]);
      await settled([message.messageUuid], 2);
      const reportedAt = new Date();
      await feed.publish([await feed.transition(message.messageUuid, MessageState.Delivered, MessageErrorCode.Ok, { deliveryReportAt: reportedAt })]);
      await settled([message.messageUuid], 3);
      expect(await metric(service, 'sluice_callback_clear_statuses_total', '')).toBe(clearBefore + 2);

      const [queued, sent, delivered] = receiver.forMessage(message.messageUuid);
      const fixed = { From: '14155550100', To: '12025550123', MessageUUID: message.messageUuid, Units: '2', TotalRate: '0.00500', TotalAmount: '0.01000', Type: 'sms' };
      expect(queued?.params).toMatchObject({ ...fixed, Status: 'queued', Sequence: '1', MCC: '', SentTime: '' });
      expect(sent?.params).toMatchObject({ ...fixed, Status: 'sent', Sequence: '2', MCC: '310', MNC: '260', SentTime: plivoTime(sentAt), DeliveryReportTime: '' });
      expect(delivered?.params).toMatchObject({ ...fixed, Status: 'delivered', Sequence: '3', ErrorCode: '000', SentTime: plivoTime(sentAt), DeliveryReportTime: plivoTime(reportedAt) });
      expect(sent?.params['QueuedTime']).toBe(queued?.params['QueuedTime']);
      expect([queued, sent, delivered].every((c) => c !== undefined && signatureValid(c, authToken))).toBe(true);
      // Every attempt is recorded as before.
      expect((await attempts(message.messageUuid)).map((a) => `${a.sequence}:${a.succeeded}`)).toEqual(['1:true', '2:true', '3:true']);
    });

    /** Every partition has been fetched by the service: what is published from now on is fresh to it. */
    async function everyPartitionFetched(): Promise<void> {
      const before = await metric(service, 'sluice_callback_events_total', 'outcome="no_url"');
      const touched = await feed.touchEveryPartition();
      await eventually(
        async () => ((await metric(service, 'sluice_callback_events_total', 'outcome="no_url"')) >= before + touched ? true : undefined),
        30_000,
        'a record from every partition',
      );
    }

    it("sends a message's first status from the event its acceptance published, with the fields the statement reads for the outbox's copy", async () => {
      const { authId, authToken } = await account();
      await everyPartitionFetched();
      const direct = await feed.accept({ accountId: authId, url: `${base}/first?from=event`, units: 3, to: '1202555****', log: LogMode.None });
      const swept = await feed.accept({ accountId: authId, url: `${base}/first?from=event`, units: 3, to: '1202555****', log: LogMode.None });
      // A message's url never changes; here the rows get another, so that each request shows what it was built from.
      await dataSource.query(`UPDATE messages SET callback_url = $2 WHERE message_uuid = ANY($1)`, [[direct.messageUuid, swept.messageUuid], `${base}/first?from=row`]);
      const firstBefore = await metric(service, 'sluice_callback_first_statuses_total', '');
      await feed.publish([direct.event, outboxCopy(swept.event)]);
      await settled([direct.messageUuid, swept.messageUuid], 2);
      expect(await metric(service, 'sluice_callback_first_statuses_total', '')).toBeGreaterThanOrEqual(firstBefore + 1);

      const [fromEvent] = receiver.forMessage(direct.messageUuid);
      const [fromStatement] = receiver.forMessage(swept.messageUuid);
      if (!fromEvent || !fromStatement) throw new Error('a first status was not reported');
      const { MessageUUID, ParentMessageUUID, MessageTime, QueuedTime, ...fields } = fromEvent.params;
      expect(fromStatement.params).toEqual({
        ...fields,
        MessageUUID: swept.messageUuid,
        ParentMessageUUID: swept.messageUuid,
        MessageTime: expect.any(String),
        QueuedTime: expect.any(String),
      });
      expect({ MessageUUID, ParentMessageUUID, MessageTime }).toEqual({ MessageUUID: direct.messageUuid, ParentMessageUUID: direct.messageUuid, MessageTime: QueuedTime });
      expect(fields).toMatchObject({ Status: 'queued', Sequence: '1', Units: '3', TotalAmount: '0.01500', To: '1202555****', MCC: '', SentTime: '' });
      expect(fromEvent.url).toMatch(/\/first\?from=event$/);
      expect(fromStatement.url).toMatch(/\/first\?from=row$/);
      expect([fromEvent, fromStatement].every((c) => signatureValid(c, authToken))).toBe(true);
      expect((await attempts(direct.messageUuid)).map((a) => `${a.sequence}:${a.succeeded}`)).toEqual(['1:true']);
    });

    it("does not send a first status again when the outbox sweep publishes its copy after the message's final status", async () => {
      const { authId } = await account();
      await everyPartitionFetched();
      const message = await feed.accept({ accountId: authId, url: `${base}/swept-late` });
      await feed.publish([message.event]);
      await settled([message.messageUuid], 1);
      await feed.publish([await feed.transition(message.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() })]);
      await feed.publish([await feed.transition(message.messageUuid, MessageState.Delivered, MessageErrorCode.Ok, { deliveryReportAt: new Date() })]);
      await settled([message.messageUuid], 3);
      // The service has forgotten the finished message; the sweep's copy goes through the statement, which finds its record.
      const replaysBefore = await metric(service, 'sluice_callback_events_total', 'outcome="already_enqueued"');
      await feed.publish([outboxCopy(message.event)]);
      await eventually(
        async () => ((await metric(service, 'sluice_callback_events_total', 'outcome="already_enqueued"')) >= replaysBefore + 1 ? true : undefined),
        30_000,
        'the copy to be consumed',
      );
      expect(receiver.forMessage(message.messageUuid).map((c) => c.params['Status'])).toEqual(['queued', 'sent', 'delivered']);
    });

    it('reads Postgres again for the next status of a message whose status is to be tried again, and keeps their order', async () => {
      const { authId } = await account();
      const message = await feed.accept({ accountId: authId, url: `${base}/not-clear` });
      receiver.reply = (callback, index) =>
        callback.params['MessageUUID'] === message.messageUuid && callback.params['Status'] === 'queued' && index === 0 ? { status: 503 } : { status: 200 };
      await feed.publish([message.event]);
      await eventually(async () => ((await attempts(message.messageUuid)).length >= 1 ? true : undefined), 10_000, 'the first attempt');
      const clearBefore = await metric(service, 'sluice_callback_clear_statuses_total', '');
      await feed.publish([await feed.transition(message.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() })]);
      await settled([message.messageUuid], 2);
      expect(receiver.forMessage(message.messageUuid).map((c) => c.params['Status'])).toEqual(['queued', 'queued', 'sent']);
      expect(await metric(service, 'sluice_callback_clear_statuses_total', '')).toBe(clearBefore);
    });

    it('after a rebalance reads Postgres again for the next status of a message it reported before', async () => {
      const { authId } = await account();
      const messages = await Promise.all(Array.from({ length: 8 }, (_, i) => feed.accept({ accountId: authId, url: `${base}/rebalanced-${i}` })));
      await feed.publish(messages.map((m) => m.event));
      await settled(
        messages.map((m) => m.messageUuid),
        messages.length,
      );
      // A second replica joins: every partition is assigned again, some of them back to the first replica.
      const second = await startService(settings);
      try {
        const clearBefore = (await metric(service, 'sluice_callback_clear_statuses_total', '')) + (await metric(second, 'sluice_callback_clear_statuses_total', ''));
        const sent = await Promise.all(messages.map((m) => feed.transition(m.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() })));
        await feed.publish(sent);
        await settled(
          messages.map((m) => m.messageUuid),
          messages.length * 2,
        );
        for (const message of messages) expect(receiver.forMessage(message.messageUuid).map((c) => c.params['Status'])).toEqual(['queued', 'sent']);
        // Whichever replica holds a message's partition now, nothing it learned before the rebalance lets a status skip the statement.
        const clearAfter = (await metric(service, 'sluice_callback_clear_statuses_total', '')) + (await metric(second, 'sluice_callback_clear_statuses_total', ''));
        expect(clearAfter).toBe(clearBefore);
      } finally {
        await stopApp(second.app);
      }
    }, 90_000);

    it('gives up after the account’s own schedule and then reports the next status', async () => {
      const { authId } = await account({ retryDelaysMs: [200] });
      const message = await feed.accept({ accountId: authId, url: `${base}/broken` });
      receiver.reply = (callback) =>
        callback.params['MessageUUID'] === message.messageUuid && callback.params['Status'] === 'queued' ? { status: 500 } : { status: 200 };
      const sent = await feed.transition(message.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() });
      await feed.publish([message.event, sent]);
      await settled([message.messageUuid], 2);
      expect(receiver.forMessage(message.messageUuid).map((c) => c.params['Status'])).toEqual(['queued', 'queued', 'sent']);
      expect(await deliveries(message.messageUuid)).toEqual([
        { sequence: 1, state: 'exhausted', attempts: 2 },
        { sequence: 2, state: 'delivered', attempts: 1 },
      ]);
    });

    it('records a callback answered at once by its attempt alone, and reads it back as delivered', async () => {
      const { authId } = await account();
      const message = await feed.accept({ accountId: authId, url: `${base}/at-once` });
      const sent = await feed.transition(message.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() });
      await feed.publish([message.event, sent]);
      await settled([message.messageUuid], 2);
      expect(receiver.forMessage(message.messageUuid).map((c) => c.params['Status'])).toEqual(['queued', 'sent']);
      // No delivery row: the succeeded first attempt is the record.
      expect(await dataSource.query(`SELECT count(*)::int AS n FROM callback_deliveries WHERE message_uuid = $1`, [message.messageUuid])).toEqual([{ n: 0 }]);
      expect(await attempts(message.messageUuid)).toEqual([
        { sequence: 1, attempt: 1, http_status: 200, error: null, succeeded: true },
        { sequence: 2, attempt: 1, http_status: 200, error: null, succeeded: true },
      ]);
      const admin = await fetch(`${service.url}/admin/callbacks/${message.messageUuid}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const history = (await admin.json()) as { deliveries: unknown[] };
      expect(history.deliveries).toEqual([
        expect.objectContaining({ kind: 'status', sequence: 1, status: 'queued', error_code: '000', url: `${base}/at-once`, state: 'delivered', next_attempt_at: null }),
        expect.objectContaining({ kind: 'status', sequence: 2, status: 'sent', error_code: '000', state: 'delivered', next_attempt_at: null }),
      ]);
      for (const delivery of history.deliveries as Array<{ occurred_at: string; finished_at: string; attempts: Array<{ attempt: number; http_status: number; succeeded: boolean }> }>) {
        expect(delivery.attempts).toEqual([expect.objectContaining({ attempt: 1, http_status: 200, succeeded: true })]);
        expect(Date.parse(delivery.finished_at)).toBeGreaterThanOrEqual(Date.parse(delivery.occurred_at));
      }
    });

    it('gives a callback still under way after CALLBACK_FEED_HOLD_MS a row leased to the replica, and records the answer on it', async () => {
      const { authId } = await account();
      const message = await feed.accept({ accountId: authId, url: `${base}/slow-answer` });
      receiver.reply = (callback) => (callback.params['MessageUUID'] === message.messageUuid ? { status: 200, delayMs: 800 } : { status: 200 });
      const leasedBefore = await metric(service, 'sluice_callback_feed_leased_rows_total', '');
      await feed.publish([message.event]);
      // The row is there, leased and pending, while the answer is still on its way.
      await eventually(
        async () => ((await deliveries(message.messageUuid)).some((d) => d.state === 'pending' && d.attempts === 0) ? true : undefined),
        10_000,
        'the leased row',
      );
      await settled([message.messageUuid], 1);
      receiver.reply = () => ({ status: 200 });
      expect(receiver.forMessage(message.messageUuid)).toHaveLength(1);
      expect(await deliveries(message.messageUuid)).toEqual([{ sequence: 1, state: 'delivered', attempts: 1 }]);
      expect(await metric(service, 'sluice_callback_feed_leased_rows_total', '')).toBe(leasedBefore + 1);
    });

    it('does not send a second callback when Kafka delivers the same status events again', async () => {
      const { authId } = await account();
      const message = await feed.accept({ accountId: authId, url: `${base}/replayed` });
      const sent = await feed.transition(message.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() });
      await feed.publish([message.event, sent]);
      await settled([message.messageUuid], 2);
      const replaysBefore = await metric(service, 'sluice_callback_events_total', 'outcome="already_enqueued"');
      await feed.publish([message.event, sent, message.event, sent]);
      await eventually(
        async () => ((await metric(service, 'sluice_callback_events_total', 'outcome="already_enqueued"')) >= replaysBefore + 4 ? true : undefined),
        30_000,
        'the replayed events to be consumed',
      );
      expect(receiver.forMessage(message.messageUuid).map((c) => c.params['Status'])).toEqual(['queued', 'sent']);
      expect(await attempts(message.messageUuid)).toHaveLength(2);
    });

    it('does not follow a redirect, even to an allowed address', async () => {
      const { authId } = await account({ retryDelaysMs: [] });
      const target = new TestReceiver();
      const targetUrl = await target.start();
      try {
        const message = await feed.accept({ accountId: authId, url: `${base}/redirect` });
        receiver.reply = (callback) =>
          callback.params['MessageUUID'] === message.messageUuid ? { status: 302, headers: { location: `${targetUrl}/elsewhere` } } : { status: 200 };
        await feed.publish([message.event]);
        await settled([message.messageUuid], 1);
        expect(await attempts(message.messageUuid)).toMatchObject([{ attempt: 1, http_status: 302, succeeded: false }]);
        expect(await deliveries(message.messageUuid)).toEqual([{ sequence: 1, state: 'exhausted', attempts: 1 }]);
        expect(target.received).toHaveLength(0);
      } finally {
        await target.stop();
      }
    });

    it('reads at most CALLBACK_MAX_RESPONSE_BYTES of an answer and drops the rest', async () => {
      const { authId } = await account();
      const message = await feed.accept({ accountId: authId, url: `${base}/huge-answer` });
      receiver.reply = (callback) => (callback.params['MessageUUID'] === message.messageUuid ? { streamBytes: 50 * 1024 * 1024 } : { status: 200 });
      await feed.publish([message.event]);
      await settled([message.messageUuid], 1);
      expect(await deliveries(message.messageUuid)).toEqual([{ sequence: 1, state: 'delivered', attempts: 1 }]);
      const callback = must(receiver.forMessage(message.messageUuid)[0], 'the callback');
      await eventually(async () => (callback.cutOff === undefined ? undefined : true), 10_000, 'the answer to end');
      expect(callback.cutOff).toBe(true);
    });
  });

  describe('with one dead endpoint', () => {
    let service: Service;
    const dead = new TestReceiver();
    const healthy = new TestReceiver();

    beforeAll(async () => {
      await Promise.all([dead.start(), healthy.start()]);
      dead.reply = () => ({ hold: true });
      // The timeout is longer than this test waits: healthy callbacks can only arrive if they do not queue behind the dead ones.
      service = await startService({
        CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
        CALLBACK_TIMEOUT_MS: '120000',
        CALLBACK_LEASE_MS: '130000',
        CALLBACK_CONCURRENCY: '8',
        CALLBACK_DESTINATION_CONCURRENCY: '3',
      });
    }, 90_000);

    afterAll(async () => {
      dead.release(200);
      if (service) await stopApp(service.app);
      await Promise.all([dead.stop(), healthy.stop()]);
    });

    it("keeps another account's callbacks flowing while the dead endpoint holds its share of connections", async () => {
      const stuck = await account();
      const fine = await account();
      const stuckMessages = await Promise.all(Array.from({ length: 30 }, () => feed.accept({ accountId: stuck.authId, url: `${dead.baseUrl()}/hang` })));
      await feed.publish(stuckMessages.map((m) => m.event));
      await eventually(async () => (dead.openRequests() === 3 ? true : undefined), 30_000, 'the dead endpoint to hold 3 requests');

      const fineMessages = await Promise.all(Array.from({ length: 100 }, () => feed.accept({ accountId: fine.authId, url: `${healthy.baseUrl()}/ok` })));
      await feed.publish(fineMessages.map((m) => m.event));
      await settled(
        fineMessages.map((m) => m.messageUuid),
        100,
        60_000,
      );
      expect(new Set(healthy.received.map((c) => c.params['MessageUUID'])).size).toBe(100);
      // The dead endpoint never got more than its share, and none of its requests has ended yet.
      expect(dead.maxOpen).toBe(3);
      expect(dead.received).toHaveLength(3);
      expect(await deliveryStates(stuckMessages.map((m) => m.messageUuid))).toEqual([{ state: 'pending', n: 30 }]);

      // When it recovers, its backlog is delivered too.
      dead.reply = () => ({ status: 200 });
      dead.release(200);
      await settled(
        stuckMessages.map((m) => m.messageUuid),
        30,
        60_000,
      );
      expect(new Set(dead.received.map((c) => c.params['MessageUUID'])).size).toBe(30);
    }, 180_000);
  });

  describe('with a pool of one (CALLBACK_CONCURRENCY=1)', () => {
    let service: Service;
    const receiver = new TestReceiver();
    let base: string;

    beforeAll(async () => {
      base = await receiver.start();
      // A hold long enough that every answer comes within it: a row can then only come from a lack of room.
      service = await startService({
        CALLBACK_ALLOWED_HOSTS: '127.0.0.0/8,::1',
        CALLBACK_CONCURRENCY: '1',
        CALLBACK_DESTINATION_CONCURRENCY: '32',
        CALLBACK_FEED_HOLD_MS: '5000',
      });
    }, 90_000);

    afterAll(async () => {
      if (service) await stopApp(service.app);
      await receiver.stop();
    });

    it('leases a burst of statuses for a healthy destination from the feed, many times the pool, without a row', async () => {
      const { authId } = await account();
      const messages = await Promise.all(Array.from({ length: 48 }, () => feed.accept({ accountId: authId, url: `${base}/burst` })));
      await feed.publish(messages.map((m) => m.event));
      const uuids = messages.map((m) => m.messageUuid);
      await settled(uuids, 48);
      expect(new Set(receiver.received.map((c) => c.params['MessageUUID'])).size).toBe(48);
      // Each answered at once, from the feed: its attempt is its record, and no status waited in a row for the claims.
      expect(await dataSource.query(`SELECT count(*)::int AS n FROM callback_deliveries WHERE message_uuid = ANY($1)`, [uuids])).toEqual([{ n: 0 }]);
      expect(await dataSource.query(`SELECT count(*)::int AS n FROM callback_attempts WHERE message_uuid = ANY($1) AND attempt = 1 AND succeeded`, [uuids])).toEqual([
        { n: 48 },
      ]);
    });
  });

  describe('with no allow-list (production defaults)', () => {
    let service: Service;
    const receiver = new TestReceiver();

    beforeAll(async () => {
      await receiver.start();
      service = await startService({ CALLBACK_RETRY_DELAYS_MS: '200' });
    }, 90_000);

    afterAll(async () => {
      if (service) await stopApp(service.app);
      await receiver.stop();
    });

    it('refuses callbacks to private, loopback and link-local addresses and to other schemes, without sending them', async () => {
      const { authId } = await account();
      const port = receiver.port();
      const urls = [
        `http://127.0.0.1:${port}/loopback`,
        `http://localhost:${port}/by-name`,
        `http://[::1]:${port}/v6-loopback`,
        `http://[::ffff:127.0.0.1]:${port}/mapped`,
        `http://0.0.0.0:${port}/unspecified`,
        `http://2130706433:${port}/decimal`,
        'http://10.255.255.1/private',
        'http://192.168.0.1/private',
        'http://169.254.169.254/latest/meta-data/',
        'http://[fd00::1]/unique-local',
        'ftp://example.com/status',
        'not a url',
      ];
      const messages = await Promise.all(urls.map((url) => feed.accept({ accountId: authId, url })));
      await feed.publish(messages.map((m) => m.event));
      await settled(
        messages.map((m) => m.messageUuid),
        urls.length,
      );
      for (const message of messages) {
        expect(await deliveries(message.messageUuid)).toEqual([{ sequence: 1, state: 'refused', attempts: 1 }]);
        expect(await attempts(message.messageUuid)).toMatchObject([{ attempt: 1, http_status: null, succeeded: false, error: expect.stringMatching(/^refused: /) }]);
      }
      expect(receiver.received).toHaveLength(0);
    });
  });

  describe('killed with SIGKILL mid-delivery', () => {
    const receiver = new TestReceiver();
    let service: Service | null = null;

    beforeAll(async () => {
      await receiver.start();
    });

    afterAll(async () => {
      if (service) await stopApp(service.app);
      await receiver.stop();
    });

    const env = {
      CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
      CALLBACK_TIMEOUT_MS: '2000',
      CALLBACK_LEASE_MS: '4000',
      CALLBACK_RETRY_DELAYS_MS: '300,300,300',
      CALLBACK_DESTINATION_CONCURRENCY: '4',
    };

    it('loses no callback: after a restart every status is delivered, in order', async () => {
      service = await startService(env);
      const { authId } = await account();
      receiver.reply = () => ({ status: 200, delayMs: 100 });
      const messages = await Promise.all(Array.from({ length: 30 }, () => feed.accept({ accountId: authId, url: `${receiver.baseUrl()}/crash` })));
      const events: SmsStatusPayload[] = [];
      for (const message of messages) {
        events.push(message.event);
        events.push(await feed.transition(message.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() }));
        events.push(await feed.transition(message.messageUuid, MessageState.Delivered, MessageErrorCode.Ok, { deliveryReportAt: new Date() }));
      }
      await feed.publish(events);
      const uuids = messages.map((m) => m.messageUuid);
      await eventually(
        async () => (receiver.received.length >= 15 && receiver.openRequests() > 0 ? true : undefined),
        30_000,
        'deliveries under way',
      );
      service.app.process.kill('SIGKILL');
      await service.app.exited;
      const finishedBeforeRestart = (await deliveryStates(uuids)).find((s) => s.state === 'delivered')?.n ?? 0;
      expect(finishedBeforeRestart).toBeLessThan(90);

      service = await startService(env);
      await settled(uuids, 90, 90_000);
      expect(await deliveryStates(uuids)).toEqual([{ state: 'delivered', n: 90 }]);
      for (const uuid of uuids) {
        const firstSeen: string[] = [];
        for (const { params } of receiver.forMessage(uuid)) if (!firstSeen.includes(params['Status'])) firstSeen.push(params['Status']);
        expect(firstSeen).toEqual(['queued', 'sent', 'delivered']);
      }
    }, 240_000);

    it('sends a first status once when the restarted service reads again the events it had reported', async () => {
      const running = service ?? (await startService(env));
      service = running;
      const { authId } = await account();
      receiver.reply = () => ({ status: 200 });
      // Every partition fetched, so that the first statuses below go from their events alone.
      const before = await metric(running, 'sluice_callback_events_total', 'outcome="no_url"');
      const touched = await feed.touchEveryPartition();
      await eventually(async () => ((await metric(running, 'sluice_callback_events_total', 'outcome="no_url"')) >= before + touched ? true : undefined), 30_000, 'every partition');
      const messages = await Promise.all(Array.from({ length: 20 }, () => feed.accept({ accountId: authId, url: `${receiver.baseUrl()}/re-read` })));
      const uuids = messages.map((m) => m.messageUuid);
      await feed.publish(messages.map((m) => m.event));
      await settled(uuids, 20);
      // Killed at once: the offsets of the last second are not committed, and the next member reads those events again.
      running.app.process.kill('SIGKILL');
      await running.app.exited;
      service = await startService(env);
      await eventually(async () => ((await feed.caughtUp(GROUP)) ? true : undefined), 60_000, 'the group to commit every status event');
      for (const uuid of uuids) expect(receiver.forMessage(uuid).map((c) => c.params['Status'])).toEqual(['queued']);
    }, 120_000);
  });

  describe('inbound messages to the Message URL', () => {
    let service: Service;
    const receiver = new TestReceiver();
    const gateway = new GatewayAdminStub();
    let inbound: InboundFeed;
    let base: string;
    const GATEWAY_TOKEN = randomBytes(24).toString('hex');

    async function message(uuid: string): Promise<{ message_state: string; error_code: string; content_key: Buffer | null; text: string | null; from_number: string }> {
      const [row] = await dataSource.query(`SELECT message_state, error_code, content_key, text, from_number FROM messages WHERE message_uuid = $1`, [uuid]);
      return row;
    }

    /** The one request of a message (failing the test when there are more or none). */
    function only(requests: readonly ReceivedCallback[]): ReceivedCallback {
      expect(requests).toHaveLength(1);
      return requests[0] as ReceivedCallback;
    }

    async function finalState(uuid: string): Promise<string> {
      return eventually(
        async () => {
          const { message_state } = await message(uuid);
          return message_state === 'received' ? undefined : message_state;
        },
        30_000,
        `message ${uuid} out of received`,
      );
    }

    beforeAll(async () => {
      inbound = new InboundFeed(dataSource);
      const [receiverUrl, gatewayUrl] = await Promise.all([receiver.start(), gateway.start(), inbound.connect()]);
      base = receiverUrl;
      service = await startService({
        CALLBACK_ALLOWED_HOSTS: '127.0.0.0/8',
        CALLBACK_TIMEOUT_MS: '1000',
        CALLBACK_LEASE_MS: '5000',
        CALLBACK_RETRY_DELAYS_MS: '300,300',
        CALLBACK_BREAKER_FAILURES: '50',
        GATEWAY_ADMIN_URL: gatewayUrl,
        GATEWAY_ADMIN_TOKEN: GATEWAY_TOKEN,
      });
    }, 90_000);

    afterAll(async () => {
      if (service) await stopApp(service.app);
      await Promise.all([receiver.stop(), gateway.stop(), inbound?.disconnect()]);
    });

    it("POSTs Plivo's parameters signed so the SDK's validator accepts them, and the message becomes delivered", async () => {
      const { authId, authToken } = await account();
      const appId = await inbound.application(authId, { messageUrl: `${base}/inbound/post?app=1` });
      const payload = await inbound.receive({ accountId: authId, appId, from: '12025550111', to: '14155550101', text: 'STOP', intent: 'optout' });
      await inbound.publish([payload, payload]);

      expect(await finalState(payload.messageUuid)).toBe('delivered');
      const got = only(receiver.forMessage(payload.messageUuid));
      expect(got.method).toBe('POST');
      expect(got.params).toEqual({
        From: '12025550111',
        To: '14155550101',
        Text: 'STOP',
        Type: 'sms',
        MessageUUID: payload.messageUuid,
        Units: '1',
        TotalRate: '0.00100',
        TotalAmount: '0.00100',
        MessageIntent: 'optout',
        PowerpackUUID: '',
      });
      expect(signatureValid(got, authToken)).toBe(true);
      expect(signatureValid(got, 'another-token')).toBe(false);
      expect(await message(payload.messageUuid)).toMatchObject({ error_code: '000', text: 'STOP' });

      const [delivery] = await dataSource.query(`SELECT kind, state, inbound FROM callback_deliveries WHERE message_uuid = $1`, [payload.messageUuid]);
      expect(delivery).toEqual({ kind: 'inbound', state: 'delivered', inbound: null });
      const history = (await (await fetch(`${service.url}/admin/callbacks/${payload.messageUuid}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
        deliveries: Array<{ kind: string; status: string; state: string; attempts: Array<{ http_status: number; succeeded: boolean }> }>;
      };
      expect(history.deliveries).toEqual([expect.objectContaining({ kind: 'inbound', status: 'received', state: 'delivered', attempts: [expect.objectContaining({ http_status: 200, succeeded: true })] })]);
    });

    it('sends GET with the parameters in the query, and the media of an MMS', async () => {
      const { authId, authToken } = await account();
      const appId = await inbound.application(authId, { messageUrl: `${base}/inbound/get?keep=yes`, messageMethod: 'GET' });
      const payload = await inbound.receive({
        accountId: authId,
        appId,
        from: '12025550112',
        to: '14155550102',
        text: 'look',
        type: 'mms',
        mediaUrls: ['https://media.example.com/a.jpg', 'https://media.example.com/b.png'],
      });
      await inbound.publish([payload]);
      expect(await finalState(payload.messageUuid)).toBe('delivered');
      const got = only(receiver.forMessage(payload.messageUuid));
      expect(got.method).toBe('GET');
      expect(got.body).toBe('');
      expect(got.params).toMatchObject({ keep: 'yes', From: '12025550112', Type: 'mms', MediaCount: '2', Media0: 'https://media.example.com/a.jpg', Media1: 'https://media.example.com/b.png', MessageIntent: '' });
      expect(signatureValid(got, authToken)).toBe(true);
    });

    it('delivers the text and sender an Application does not log, and leaves nothing readable behind', async () => {
      const { authId, authToken } = await account();
      const appId = await inbound.application(authId, { messageUrl: `${base}/inbound/private`, logIncomingMessages: false });
      const payload = await inbound.receive({ accountId: authId, appId, from: '12025550113', to: '14155550103', text: 'my secret code 4711', log: false });
      expect(payload.text).toBe('');
      await inbound.publish([payload]);
      expect(await finalState(payload.messageUuid)).toBe('delivered');
      const got = only(receiver.forMessage(payload.messageUuid));
      expect(got.params).toMatchObject({ From: '12025550113', Text: 'my secret code 4711' });
      expect(signatureValid(got, authToken)).toBe(true);
      // At rest: no key, no text, the sender redacted, and the delivery no longer carries its sealed copies.
      expect(await message(payload.messageUuid)).toMatchObject({ content_key: null, text: null, from_number: '12025550***' });
      const [delivery] = await dataSource.query(`SELECT inbound FROM callback_deliveries WHERE message_uuid = $1`, [payload.messageUuid]);
      expect(delivery.inbound).toBeNull();
    });

    it('retries a Message URL that fails, then the message is undelivered; a 4xx ends it at once', async () => {
      const { authId } = await account();
      const failing = await inbound.application(authId, { messageUrl: `${base}/inbound/fails` });
      const refusing = await inbound.application(authId, { messageUrl: `${base}/inbound/refuses` });
      receiver.reply = (callback) => ({ status: callback.url.includes('/inbound/fails') ? 503 : callback.url.includes('/inbound/refuses') ? 404 : 200 });
      try {
        const retried = await inbound.receive({ accountId: authId, appId: failing, from: '12025550114', to: '14155550104', text: 'hello?' });
        const refused = await inbound.receive({ accountId: authId, appId: refusing, from: '12025550115', to: '14155550104', text: 'hello?' });
        await inbound.publish([retried, refused]);
        expect(await finalState(retried.messageUuid)).toBe('undelivered');
        expect(await finalState(refused.messageUuid)).toBe('undelivered');
        expect(receiver.forMessage(retried.messageUuid)).toHaveLength(3);
        expect(receiver.forMessage(refused.messageUuid)).toHaveLength(1);
        expect((await message(retried.messageUuid)).error_code).toBe('80');
        expect((await message(refused.messageUuid)).error_code).toBe('70');
        const rows: Array<{ message_uuid: string; state: string; attempts: number }> = await dataSource.query(
          `SELECT message_uuid, state, attempts FROM callback_deliveries WHERE message_uuid = ANY($1::uuid[])`,
          [[retried.messageUuid, refused.messageUuid]],
        );
        expect(rows.find((r) => r.message_uuid === retried.messageUuid)).toMatchObject({ state: 'exhausted', attempts: 3 });
        expect(rows.find((r) => r.message_uuid === refused.messageUuid)).toMatchObject({ state: 'refused', attempts: 1 });
      } finally {
        receiver.reply = () => ({ status: 200 });
      }
    });

    it('keeps a message without a Message URL received, with its content key erased', async () => {
      const { authId } = await account();
      const appId = await inbound.application(authId, { messageUrl: null, logIncomingMessages: false });
      const withoutUrl = await inbound.receive({ accountId: authId, appId, from: '12025550116', to: '14155550105', text: 'anyone?', log: false });
      const withoutApp = await inbound.receive({ accountId: authId, appId: null, from: '12025550117', to: '14155550105', text: 'anyone?' });
      await inbound.publish([withoutUrl, withoutApp]);
      await eventually(async () => ((await message(withoutUrl.messageUuid)).content_key === null ? true : undefined), 30_000, 'the content key erased');
      expect(await message(withoutUrl.messageUuid)).toMatchObject({ message_state: 'received', text: null });
      expect(await message(withoutApp.messageUuid)).toMatchObject({ message_state: 'received' });
      const rows: unknown[] = await dataSource.query(`SELECT 1 FROM callback_deliveries WHERE message_uuid = ANY($1::uuid[])`, [[withoutUrl.messageUuid, withoutApp.messageUuid]]);
      expect(rows).toEqual([]);
    });

    it('sends the Message XML a 200 answers with as messages of the account, and records invalid XML without failing the delivery', async () => {
      const { authId } = await account();
      const appId = await inbound.application(authId, { messageUrl: `${base}/inbound/xml` });
      const xml = `<?xml version="1.0"?><Response>
          <Message src="14155550106" dst="12025550118" callbackUrl="https://example.com/status" callbackMethod="GET">Thanks &amp; bye</Message>
          <Message src="${GatewayAdminStub.REFUSED_SRC}" dst="12025550118">not mine</Message>
        </Response>`;
      receiver.reply = (callback) => ({
        status: 200,
        headers: { 'content-type': 'application/xml' },
        body: callback.params['Text'] === 'broken' ? '<Response><Message src="1">oops</Response>' : xml,
      });
      try {
        const replied = await inbound.receive({ accountId: authId, appId, from: '12025550118', to: '14155550106', text: 'hi' });
        const broken = await inbound.receive({ accountId: authId, appId, from: '12025550119', to: '14155550106', text: 'broken' });
        await inbound.publish([replied, broken]);
        expect(await finalState(replied.messageUuid)).toBe('delivered');
        expect(await finalState(broken.messageUuid)).toBe('delivered');

        const sent = gateway.requests.filter((r) => r.path === `/admin/v1/accounts/${authId}/messages`);
        expect(sent.map((r) => r.body)).toEqual([
          { src: '14155550106', dst: '12025550118', text: 'Thanks & bye', type: 'sms', url: 'https://example.com/status', method: 'GET' },
          { src: GatewayAdminStub.REFUSED_SRC, dst: '12025550118', text: 'not mine', type: 'sms' },
        ]);
        expect(sent.every((r) => r.authorization === `Bearer ${GATEWAY_TOKEN}`)).toBe(true);

        const attemptOf = async (uuid: string) =>
          (await dataSource.query(`SELECT reply_message_uuids, reply_error FROM callback_attempts WHERE message_uuid = $1`, [uuid]))[0] as {
            reply_message_uuids: string[] | null;
            reply_error: string | null;
          };
        expect(await attemptOf(replied.messageUuid)).toEqual({
          reply_message_uuids: sent[0]?.answeredUuids,
          reply_error: 'Message 2: not sent: the gateway answered 400: src: This caller ID is not allowed for outbound message',
        });
        const invalid = await attemptOf(broken.messageUuid);
        expect(invalid.reply_message_uuids).toEqual([]);
        expect(invalid.reply_error).toMatch(/^invalid Message XML: line 1: /);
      } finally {
        receiver.reply = () => ({ status: 200 });
      }
    });
  });
});
