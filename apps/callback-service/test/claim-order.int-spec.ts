// The repository's claim against real Postgres: a message's pending statuses are claimed
// together and in order, a status whose predecessor is leased to the caller is claimed after
// it, and one whose predecessor is leased elsewhere waits.
import { randomUUID } from 'node:crypto';
import { MessageErrorCode, MessageState } from '@sluice/contracts';
import { CallbackDeliveryRepository, ClaimCapacity, ClaimedDelivery } from '@sluice/persistence';
import { connectTestDatabase, createTestAccount } from '@sluice/testing-data';
import type { DataSource } from 'typeorm';
import { StatusFeed } from './status-feed';

describe('CallbackDeliveryRepository.claim (real Postgres)', () => {
  let dataSource: DataSource;
  let feed: StatusFeed;
  let deliveries: CallbackDeliveryRepository;
  let accountId: string;
  /** A destination of this test alone: claims here take rows of no other test (every other one's allowance is 0). */
  let destination: string;

  beforeAll(async () => {
    dataSource = await connectTestDatabase();
    feed = new StatusFeed(dataSource);
    deliveries = new CallbackDeliveryRepository(dataSource);
  });

  beforeEach(async () => {
    ({ authId: accountId } = await createTestAccount(dataSource));
    destination = `claim-order-${randomUUID()}`;
  });

  afterEach(async () => {
    // Nothing of this test is left for a running callback-service to send.
    await dataSource.query(`UPDATE callback_deliveries SET state = 'exhausted', finished_at = now() WHERE account_id = $1 AND state = 'pending'`, [accountId]);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** A message with three statuses (queued, sent, delivered), each with a pending row. */
  async function messageWithRows(): Promise<string> {
    const { messageUuid } = await feed.accept({ accountId, url: 'http://127.0.0.1:9/claim-order' });
    await feed.transition(messageUuid, MessageState.Sent, MessageErrorCode.Ok, { sentAt: new Date() });
    await feed.transition(messageUuid, MessageState.Delivered, MessageErrorCode.Ok, { deliveryReportAt: new Date() });
    const { created } = await deliveries.enqueue([{ messageUuid, sequence: 3, destination }], [1_000]);
    expect(created.size).toBe(3);
    return messageUuid;
  }

  function capacity(limit: number, leasedHere: readonly string[] = []): ClaimCapacity {
    return { limit, excluded: [], limited: new Map([[destination, limit]]), perDestination: 0, leaseMs: 30_000, leasedHere };
  }

  const statuses = (claimed: readonly ClaimedDelivery[]): string[] => claimed.map((d) => `${d.messageUuid}:${d.sequence}`);

  it("claims a message's pending statuses together, in order, and never a later one without the earlier", async () => {
    const first = await messageWithRows();
    const second = await messageWithRows();

    // Room for four: the first message whole, and the first status of the second.
    const claimed = await deliveries.claim(capacity(4));
    expect(statuses(claimed)).toEqual([`${first}:1`, `${first}:2`, `${first}:3`, `${second}:1`]);

    // The rest of the second waits for its first status, leased elsewhere as far as this claim knows.
    expect(await deliveries.claim(capacity(10))).toEqual([]);
  });

  it('claims a status whose predecessor is leased to the caller, and not one whose predecessor is leased elsewhere', async () => {
    const mine = await messageWithRows();
    const theirs = await messageWithRows();

    const firsts = await deliveries.claim(capacity(1));
    expect(statuses(firsts)).toEqual([`${mine}:1`]);
    const theirFirst = await deliveries.claim(capacity(1));
    expect(statuses(theirFirst)).toEqual([`${theirs}:1`]);

    // Only the first status of `mine` is the caller's: its successors follow it here, those of `theirs` wait.
    const next = await deliveries.claim(capacity(10, firsts.map((d) => d.id ?? '')));
    expect(statuses(next)).toEqual([`${mine}:2`, `${mine}:3`]);
  });
});
