// The repository's enqueue against real Postgres: a caller that knows how far a message's
// statuses are recorded has only the later ones read and given rows.
import { MessageErrorCode, MessageState } from '@sluice/contracts';
import { CallbackDeliveryRepository } from '@sluice/persistence';
import { connectTestDatabase, createTestAccount } from '@sluice/testing-data';
import type { DataSource } from 'typeorm';
import { StatusFeed } from './status-feed';

describe('CallbackDeliveryRepository.enqueue with recordedThrough (real Postgres)', () => {
  let dataSource: DataSource;
  let feed: StatusFeed;
  let deliveries: CallbackDeliveryRepository;

  beforeAll(async () => {
    dataSource = await connectTestDatabase();
    feed = new StatusFeed(dataSource);
    deliveries = new CallbackDeliveryRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** A message with three statuses (queued, sent, delivered) and no callback record yet. */
  async function deliveredMessage(accountId: string): Promise<string> {
    const { messageUuid } = await feed.accept({ accountId, url: 'http://127.0.0.1:9/recorded-through' });
    await feed.transition(messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() });
    await feed.transition(messageUuid, MessageState.Delivered, MessageErrorCode.Ok, { deliveryReportAt: new Date() });
    return messageUuid;
  }

  it('reads the statuses after recordedThrough only, and every status without it', async () => {
    const { authId } = await createTestAccount(dataSource);
    const known = await deliveredMessage(authId);
    const unknown = await deliveredMessage(authId);
    try {
      const outcome = await deliveries.enqueue(
        [
          { messageUuid: known, sequence: 3, destination: '127.0.0.1', recordedThrough: 2 },
          { messageUuid: unknown, sequence: 3, destination: '127.0.0.1' },
        ],
        [1_000],
      );
      expect([...outcome.created].sort()).toEqual([`${known}:3`, `${unknown}:1`, `${unknown}:2`, `${unknown}:3`].sort());
      expect(outcome.claimed).toEqual([]);
      // A status at or below what the caller knows recorded is not read at all.
      const again = await deliveries.enqueue([{ messageUuid: known, sequence: 2, destination: '127.0.0.1', recordedThrough: 2 }], [1_000]);
      expect(again.created.size).toBe(0);
    } finally {
      // Nothing of this test is left for a running callback-service to send.
      await dataSource.query(`UPDATE callback_deliveries SET state = 'exhausted', finished_at = now() WHERE account_id = $1 AND state = 'pending'`, [authId]);
    }
  });
});
