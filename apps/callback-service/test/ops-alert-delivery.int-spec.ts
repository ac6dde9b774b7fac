// Operator alerts through real Kafka and Postgres to a local HTTP receiver. The alert part of
// callback-service runs in this process (its module, not the whole service): a second
// whole service would also claim the status callbacks another test file is delivering. It
// reads a private copy of ops.alerts.v1, so no other callback-service records these alerts.
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@sluice/config';
import { dlqTopic, OpsAlertKind, OpsAlertPayload, TopicKey, Topic } from '@sluice/contracts';
import { KafkaModule, KafkaProducer } from '@sluice/messaging';
import { MetricsRegistry, ObservabilityModule } from '@sluice/observability';
import { DatabaseModule } from '@sluice/persistence';
import { eventually, testInfrastructure } from '@sluice/testing';
import { connectTestDatabase } from '@sluice/testing-data';
import { Kafka, logLevel } from 'kafkajs';
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { callbackEnv } from '../src/callback.config';
import { OpsAlertsModule } from '../src/ops-alerts/ops-alerts.module';
import { verifyOpsAlertSignature } from '../src/ops-alerts/ops-alert-signature';
import { ReceivedCallback, TestReceiver } from './test-receiver';

const SECRET = randomBytes(24).toString('hex');
const TOPIC = `${Topic.OpsAlerts}.int-spec-${randomUUID()}`;

interface AlertRow {
  state: string;
  attempts: number;
  delivered_at: Date | null;
  last_error: string | null;
  details: Record<string, unknown>;
}

/** The alert part of callback-service, as AppModule wires it, with its own consumer group. */
async function startAlerts(env: Record<string, string>): Promise<INestApplicationContext> {
  const infra = testInfrastructure();
  const config = loadConfig('callback-service', callbackEnv, {
    PORT: '1',
    DATABASE_URL: infra.databaseUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    KAFKA_GROUP_ID: `ops-alert-int-spec-${randomUUID()}`,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const context = await NestFactory.createApplicationContext(
    {
      module: class OpsAlertsTestModule {},
      imports: [
        ObservabilityModule.forRoot({ service: 'callback-service', logLevel: config.LOG_LEVEL }),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: 4, applicationName: 'ops-alert-int-spec' }),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: 'ops-alert-int-spec' }),
        OpsAlertsModule.register(config, { readFrom: TOPIC }),
      ],
    },
    { logger: false },
  );
  await context.init();
  return context;
}

/** Publishes as the gateway does (keyed by account), to this file's topic. */
async function publish(context: INestApplicationContext, alerts: readonly OpsAlertPayload[]): Promise<void> {
  const records = alerts.map((alert) => ({ key: TopicKey[Topic.OpsAlerts](alert), value: JSON.stringify(alert) }));
  await context.get(KafkaProducer).publishRaw(TOPIC, records);
}

async function outcomes(context: INestApplicationContext, kind: string, outcome: string): Promise<number> {
  const metric = await context.get(MetricsRegistry).registry.getSingleMetric('sluice_ops_alerts_total')?.get();
  return metric?.values.find((v) => v.labels['kind'] === kind && v.labels['outcome'] === outcome)?.value ?? 0;
}

function alertFor(accountId: string, kind: OpsAlertKind = OpsAlertKind.SmsPumping): OpsAlertPayload {
  return {
    alertId: randomUUID(),
    kind,
    accountId,
    detectedAt: Date.now(),
    summary: `Account ${accountId} sent OTP-like texts to about 120 distinct numbers in 10 minutes.`,
    details: { distinctOtpDestinations: 120, otpShare: 0.96, windowMinutes: 10 },
  };
}

const accountId = (): string => `MA${randomBytes(9).toString('hex').toUpperCase()}`;

describe('ops alerts: recorded from Kafka, delivered signed to the operator webhook (real Kafka, Postgres, HTTP)', () => {
  let dataSource: DataSource;
  const receiver = new TestReceiver();
  let base: string;
  const forAlert = (alertId: string): ReceivedCallback[] => receiver.received.filter((r) => r.headers['x-sluice-alert-id'] === alertId);

  async function row(alertId: string): Promise<AlertRow | undefined> {
    const rows: AlertRow[] = await dataSource.query(`SELECT state, attempts, delivered_at, last_error, details FROM ops_alerts WHERE alert_id = $1`, [alertId]);
    return rows[0];
  }

  async function settled(alertId: string, timeoutMs = 30_000): Promise<AlertRow> {
    return eventually(
      async () => {
        const found = await row(alertId);
        return found && found.state !== 'pending' ? found : undefined;
      },
      timeoutMs,
      `alert ${alertId} settled`,
      async () => JSON.stringify(await row(alertId)),
    );
  }

  const kafkaAdmin = new Kafka({ clientId: 'ops-alert-int-spec', brokers: testInfrastructure().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();

  beforeAll(async () => {
    dataSource = await connectTestDatabase();
    base = await receiver.start();
    await kafkaAdmin.connect();
    await kafkaAdmin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 3 }, { topic: dlqTopic(TOPIC), numPartitions: 1 }] });
  });

  afterAll(async () => {
    await receiver.stop();
    await kafkaAdmin.deleteTopics({ topics: [TOPIC, dlqTopic(TOPIC)] }).catch(() => undefined);
    await kafkaAdmin.disconnect();
    await dataSource?.destroy();
  });

  describe('without ALERT_WEBHOOK_URL', () => {
    let context: INestApplicationContext;

    beforeAll(async () => {
      context = await startAlerts({});
    }, 60_000);

    afterAll(async () => {
      await context?.close();
    });

    it('records the alert as not_configured, counts it and sends nothing', async () => {
      const alert = alertFor(accountId(), OpsAlertKind.RateSpike);
      const before = await outcomes(context, 'rate_spike', 'not_configured');
      await publish(context, [alert]);

      const recorded = await eventually(async () => row(alert.alertId), 30_000, 'the alert row');
      expect(recorded).toMatchObject({ state: 'not_configured', attempts: 0, delivered_at: null });
      expect(recorded.details).toEqual(alert.details);
      await eventually(async () => ((await outcomes(context, 'rate_spike', 'not_configured')) === before + 1 ? true : undefined), 10_000, 'the not_configured count');
      expect(forAlert(alert.alertId)).toHaveLength(0);
    });
  });

  describe('with a webhook on loopback and a short retry schedule', () => {
    let context: INestApplicationContext;

    beforeAll(async () => {
      context = await startAlerts({
        ALERT_WEBHOOK_URL: `${base}/sluice-alerts?team=ops`,
        ALERT_WEBHOOK_SECRET: SECRET,
        ALERT_ALLOWED_HOSTS: '127.0.0.1',
        ALERT_RETRY_DELAYS_MS: '200,200',
        ALERT_TIMEOUT_MS: '2000',
      });
      receiver.reply = (callback) => {
        const summary = (JSON.parse(callback.body) as { summary?: string }).summary ?? '';
        if (summary.includes('always-500')) return { status: 500 };
        if (summary.includes('first-500') && forAlert(String(callback.headers['x-sluice-alert-id'])).length === 1) return { status: 500 };
        return { status: 204 };
      };
    }, 60_000);

    afterAll(async () => {
      receiver.reply = () => ({ status: 200 });
      await context?.close();
    });

    it('posts the alert as JSON with a signature a receiver can verify', async () => {
      const alert = alertFor(accountId());
      const before = await outcomes(context, 'sms_pumping', 'delivered');
      await publish(context, [alert]);

      const recorded = await settled(alert.alertId);
      expect(recorded).toMatchObject({ state: 'delivered', attempts: 1, last_error: null });
      expect(recorded.delivered_at).not.toBeNull();
      const [request, ...more] = forAlert(alert.alertId);
      expect(more).toHaveLength(0);
      expect(request).toBeDefined();
      if (!request) return;
      expect(request.method).toBe('POST');
      expect(request.url).toBe(`${base}/sluice-alerts?team=ops`);
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toEqual({
        alert_id: alert.alertId,
        kind: 'sms_pumping',
        account_id: alert.accountId,
        detected_at: new Date(alert.detectedAt).toISOString(),
        summary: alert.summary,
        details: alert.details,
      });

      // As the README tells a receiver to check it, written out independently of the signer.
      const timestamp = String(request.headers['x-sluice-timestamp']);
      const signature = String(request.headers['x-sluice-signature']);
      const expected = `v1=${createHmac('sha256', SECRET).update(`${timestamp}.${request.body}`).digest('hex')}`;
      expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true);
      expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(60);
      expect(verifyOpsAlertSignature({ secret: SECRET, body: request.body, signature, timestamp, nowSeconds: Math.floor(Date.now() / 1000) })).toBe(true);
      expect(verifyOpsAlertSignature({ secret: 'not-the-secret-at-all', body: request.body, signature, timestamp, nowSeconds: Math.floor(Date.now() / 1000) })).toBe(false);

      await eventually(async () => ((await outcomes(context, 'sms_pumping', 'delivered')) === before + 1 ? true : undefined), 10_000, 'the delivered count');
    });

    it('retries after a 500 and delivers on the next attempt, signed afresh', async () => {
      const alert = { ...alertFor(accountId()), summary: 'first-500: Account sent OTP-like texts to many numbers.' };
      await publish(context, [alert]);

      const recorded = await settled(alert.alertId);
      expect(recorded).toMatchObject({ state: 'delivered', attempts: 2, last_error: null });
      const requests = forAlert(alert.alertId);
      expect(requests).toHaveLength(2);
      for (const request of requests) {
        const check = {
          secret: SECRET,
          body: request.body,
          signature: String(request.headers['x-sluice-signature']),
          timestamp: String(request.headers['x-sluice-timestamp']),
          nowSeconds: Math.floor(Date.now() / 1000),
        };
        expect(verifyOpsAlertSignature(check)).toBe(true);
      }
    });

    it('gives up after the last retry, keeping the error, and counts the alert failed', async () => {
      const alert = { ...alertFor(accountId(), OpsAlertKind.NewDestination), summary: 'always-500: a burst to a new area code.' };
      const before = await outcomes(context, 'new_destination', 'failed');
      await publish(context, [alert]);

      const recorded = await settled(alert.alertId);
      expect(recorded).toMatchObject({ state: 'failed', attempts: 3, last_error: 'HTTP 500', delivered_at: null });
      expect(forAlert(alert.alertId)).toHaveLength(3);
      expect(await outcomes(context, 'new_destination', 'failed')).toBe(before + 1);
    });

    it('delivers a replayed alert once', async () => {
      const account = accountId();
      const alert = alertFor(account);
      // Twice in one batch, and again after it was delivered.
      await publish(context, [alert, alert]);
      await settled(alert.alertId);
      await publish(context, [alert]);
      // Same account, same partition: once this later alert is delivered, the replay has been consumed.
      const marker = alertFor(account);
      await publish(context, [marker]);
      await settled(marker.alertId);

      expect(forAlert(marker.alertId)).toHaveLength(1);
      expect(forAlert(alert.alertId)).toHaveLength(1);
      expect(await row(alert.alertId)).toMatchObject({ state: 'delivered', attempts: 1 });
    });
  });
});
