// The expiry sweep's statement against real Postgres, and nothing else: no Redis, no Kafka.
import { MessageErrorCode, MessageState } from '@sluice/contracts';
import { queuedSmsRow, testInfrastructure } from '@sluice/testing';
import { DataSource } from 'typeorm';
import { createScratchDatabase, ScratchDatabase } from '../scratch-database';
import { AccountRepository } from './account.repository';
import { MessageAcceptanceRepository } from './message-acceptance.repository';
import { MessageRepository } from './message.repository';
import { StatusOutboxRepository } from './status-outbox.repository';

describe('MessageRepository.expireQueued (real Postgres)', () => {
  // A database of its own: the sweep takes every expired queued message it can see, and
  // other test files keep queued rows of their own in the shared test database.
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let repository: MessageRepository;
  let accountId: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase(testInfrastructure().databaseUrl, 'sluice_expiry', 8);
    dataSource = scratch.dataSource;
    repository = new MessageRepository(dataSource);
    accountId = (await new AccountRepository(dataSource).create({ name: 'expiry-sweep-test' })).authId;
  }, 60_000);

  afterAll(async () => {
    await scratch?.drop();
  });

  /** A queued message accepted `ageMs` ago with `expirySeconds` of message_expiry, charged 0.005, written as the gateway writes it. */
  async function accept(ageMs: number, expirySeconds: number): Promise<string> {
    const row = queuedSmsRow(accountId, { messageExpiry: expirySeconds, acceptedAt: new Date(Date.now() - ageMs) });
    await new MessageAcceptanceRepository().insertBatch(dataSource, [row], []);
    return row.messageUuid;
  }

  const rowOf = async (messageUuid: string) =>
    (
      await dataSource.query(`SELECT message_state, error_code, total_amount::float AS amount, sequence FROM messages WHERE message_uuid = $1`, [messageUuid])
    )[0] as { message_state: string; error_code: string; amount: number; sequence: number };

  it('fails a queued message past its expiry with 420, uncharged, with its status event and outbox record', async () => {
    const expired = await accept(10_000, 5);
    const justExpired = await accept(6_000, 5);
    const fresh = await accept(0, 10_799);
    // A dispatcher that died mid-message left a part at the carrier: dispatch completes it whatever its age.
    const partlySent = await accept(10_000, 5);
    await dataSource.query(
      `INSERT INTO message_parts (message_uuid, part_seq, parts_total, carrier_message_id, submitted_at) VALUES ($1, 1, 2, $2, now())`,
      [partlySent, `part-${partlySent}`],
    );

    // Within the grace a dispatcher submitting it right at its deadline keeps it.
    expect(await repository.anyExpiredQueued(60_000)).toBe(false);
    expect(await repository.expireQueued(100, 60_000)).toEqual([]);
    expect(await repository.anyExpiredQueued(0)).toBe(true);

    const applied = await repository.expireQueued(100, 0);
    expect(applied.map((a) => a.event.messageUuid).sort()).toEqual([expired, justExpired].sort());
    expect(applied[0]?.event).toMatchObject({ accountId, state: MessageState.Failed, errorCode: MessageErrorCode.Expired, sequence: 2 });

    expect(await rowOf(expired)).toEqual({ message_state: 'failed', error_code: '420', amount: 0, sequence: 2 });
    expect(await rowOf(fresh)).toEqual({ message_state: 'queued', error_code: '000', amount: 0.005, sequence: 1 });
    expect(await rowOf(partlySent)).toMatchObject({ message_state: 'queued' });
    expect(await dataSource.query(`SELECT state, error_code FROM status_events WHERE message_uuid = $1 ORDER BY sequence`, [expired])).toEqual([
      { state: 'queued', error_code: '000' },
      { state: 'failed', error_code: '420' },
    ]);
    // The event waits in the status outbox for the relay, which turns it into the callback; the row names it.
    const row = applied.find((a) => a.event.messageUuid === expired)?.outbox;
    expect(row).toEqual({ id: expect.any(String), events: 2 });
    const named = await new StatusOutboxRepository(dataSource).eventsOf([row?.id ?? '0']);
    expect(named.find((e) => e.messageUuid === expired)).toEqual({
      messageUuid: expired,
      accountId,
      state: MessageState.Failed,
      errorCode: MessageErrorCode.Expired,
      sequence: 2,
      occurredAt: applied.find((a) => a.event.messageUuid === expired)?.event.occurredAt,
      record: null,
      accepted: null,
    });

    // Nothing is left to do (the message with a part is dispatch's): a second sweep changes nothing.
    expect(await repository.anyExpiredQueued(0)).toBe(false);
    expect(await repository.expireQueued(100, 0)).toEqual([]);
  });

  it('lets concurrent sweeps share the work and apply each expiry exactly once', async () => {
    const expired = await Promise.all(Array.from({ length: 40 }, () => accept(20_000, 5)));
    const sweeper = async (): Promise<string[]> => {
      const mine: string[] = [];
      for (;;) {
        const applied = await repository.expireQueued(7, 0);
        if (applied.length === 0) return mine;
        mine.push(...applied.map((a) => a.event.messageUuid));
      }
    };
    const results = await Promise.all([sweeper(), sweeper(), sweeper(), sweeper()]);
    const all = results.flat();
    expect(all).toHaveLength(40);
    expect(new Set(all)).toEqual(new Set(expired));
    const failures: Array<{ n: number }> = await dataSource.query(
      `SELECT count(*)::int AS n FROM status_events WHERE message_uuid = ANY($1::uuid[]) AND state = 'failed' GROUP BY message_uuid`,
      [expired],
    );
    expect(failures).toHaveLength(40);
    expect(failures.every((f) => f.n === 1)).toBe(true);
  });
});
