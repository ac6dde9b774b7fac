// The oldest-queued-message gauge against real Postgres, in a database of its own: the gauge
// reads every queued message, and other test files keep queued rows in the shared test database.
import { MessageErrorCode, MessageState } from '@sluice/contracts';
import { MetricsRegistry } from '@sluice/observability';
import { AccountRepository, MessageAcceptanceRepository, MessageRepository } from '@sluice/persistence';
import { queuedSmsRow } from '@sluice/testing';
import { createOwnTestDatabase, OwnTestDatabase } from '@sluice/testing-data';
import type { DataSource } from 'typeorm';
import { QueueAgeMetrics } from './queue-age.metrics';

describe('QueueAgeMetrics (real Postgres)', () => {
  let db: OwnTestDatabase;
  let dataSource: DataSource;
  let accountId: string;
  let metrics: MetricsRegistry;

  beforeAll(async () => {
    db = await createOwnTestDatabase('sluice_queue_age', 2);
    dataSource = db.dataSource;
    accountId = (await new AccountRepository(dataSource).create({ name: 'queue-age-test' })).authId;
    metrics = new MetricsRegistry({ service: 'rate-governor', logLevel: 'silent' });
    new QueueAgeMetrics(dataSource, metrics);
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
  });

  /** A message accepted `ageMs` ago as the gateway writes it, then moved to `state` as dispatch moves it. */
  async function accept(ageMs: number, state: typeof MessageState.Queued | typeof MessageState.Delivered): Promise<void> {
    const row = queuedSmsRow(accountId, { acceptedAt: new Date(Date.now() - ageMs) });
    await new MessageAcceptanceRepository().insertBatch(dataSource, [row], []);
    const { messageUuid } = row;
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
