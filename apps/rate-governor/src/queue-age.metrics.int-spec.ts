// The oldest-queued-message gauge against real Postgres, in a database of its own: the gauge
// reads every queued message, and other test files keep queued rows in the shared test database.
import { CallbackMethod, LogMode, MessageErrorCode, MessageState, MessageType, TextEncoding } from '@sluice/contracts';
import { MetricsRegistry } from '@sluice/observability';
import { AccountRepository, createDataSource, MessageAcceptanceRepository, MessageRepository, runMigrations } from '@sluice/persistence';
import { testInfrastructure, testNumber } from '@sluice/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { QueueAgeMetrics } from './queue-age.metrics';

describe('QueueAgeMetrics (real Postgres)', () => {
  const database = `sluice_queue_age_${randomBytes(6).toString('hex')}`;
  const serverUrl = testInfrastructure().databaseUrl;
  const ownUrl = (() => {
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    return url.toString();
  })();
  let server: DataSource;
  let dataSource: DataSource;
  let accountId: string;
  let metrics: MetricsRegistry;

  beforeAll(async () => {
    server = await createDataSource({ url: serverUrl, poolSize: 1 }).initialize();
    await server.query(`CREATE DATABASE ${database}`);
    dataSource = await createDataSource({ url: ownUrl, poolSize: 2 }).initialize();
    await runMigrations(dataSource);
    accountId = (await new AccountRepository(dataSource).create({ name: 'queue-age-test' })).authId;
    metrics = new MetricsRegistry({ service: 'rate-governor', logLevel: 'silent' });
    new QueueAgeMetrics(dataSource, metrics);
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await server?.query(`DROP DATABASE IF EXISTS ${database}`);
    await server?.destroy();
  });

  /** A message accepted `ageMs` ago as the gateway writes it, then moved to `state` as dispatch moves it. */
  async function accept(ageMs: number, state: typeof MessageState.Queued | typeof MessageState.Delivered): Promise<void> {
    const messageUuid = randomUUID();
    await new MessageAcceptanceRepository().insertBatch(
      dataSource,
      [
        {
          messageUuid,
          accountId,
          rootAccountId: accountId,
          messageType: MessageType.Sms,
          fromNumber: testNumber('415'),
          toNumber: testNumber(),
          text: null,
          contentKey: null,
          encoding: TextEncoding.Gsm7,
          logMode: LogMode.None,
          units: 1,
          totalRate: '0.00500',
          totalAmount: '0.00500',
          state: MessageState.Queued,
          errorCode: MessageErrorCode.Ok,
          messageExpiry: 10_800,
          callbackUrl: null,
          callbackMethod: CallbackMethod.Post,
          powerpackId: null,
          destinationCountry: 'US',
          acceptedAt: new Date(Date.now() - ageMs),
        },
      ],
      [],
    );
    if (state === MessageState.Delivered) {
      const messages = new MessageRepository(dataSource);
      await messages.transition(messageUuid, MessageState.Sent, MessageErrorCode.Ok, { carrierMessageId: `c-${messageUuid}`, sentAt: new Date() });
      await messages.transition(messageUuid, MessageState.Delivered, MessageErrorCode.Ok, { deliveryReportAt: new Date() });
    }
  }

  const age = async (): Promise<number> => {
    const metric = metrics.registry.getSingleMetric('sluice_oldest_queued_message_age_seconds');
    const value = (await metric?.get())?.values[0]?.value;
    if (value === undefined) throw new Error('the gauge has no value');
    return value;
  };

  it('is 0 with nothing queued, then the age of the oldest queued message, whatever older messages reached another state', async () => {
    expect(await age()).toBe(0);
    await accept(3_600_000, MessageState.Delivered);
    await accept(120_000, MessageState.Queued);
    await accept(5_000, MessageState.Queued);
    const seconds = await age();
    expect(seconds).toBeGreaterThanOrEqual(120);
    expect(seconds).toBeLessThan(180);
  });
});
