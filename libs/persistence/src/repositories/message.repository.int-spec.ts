import { MessageErrorCode, MessageState, must } from '@sluice/contracts';
import { queuedSmsRow, testInfrastructure } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { AccountRepository } from './account.repository';
import { MessageAcceptanceRepository } from './message-acceptance.repository';
import { MessageRepository } from './message.repository';
import { StatusOutboxRepository } from './status-outbox.repository';

describe('MessageRepository (real Postgres)', () => {
  let dataSource: DataSource;
  let repository: MessageRepository;
  let accountId: string;

  beforeAll(async () => {
    dataSource = await createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 4 }).initialize();
    repository = new MessageRepository(dataSource);
    accountId = (await new AccountRepository(dataSource).create({ name: 'message-repository-test' })).authId;
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  /** A queued message, written as the gateway writes it. */
  async function accept(): Promise<string> {
    const row = queuedSmsRow(accountId, {});
    await new MessageAcceptanceRepository().insertBatch(dataSource, [row], []);
    return row.messageUuid;
  }

  it('records acceptance with its queued event in the history and the status outbox', async () => {
    const rows = [queuedSmsRow(accountId, {}), queuedSmsRow(accountId, {})];
    const inserted = await new MessageAcceptanceRepository().insertBatch(dataSource, rows, []);
    const [messageUuid] = rows.map((r) => r.messageUuid);
    const history = await dataSource.query(`SELECT sequence, state FROM status_events WHERE message_uuid = $1`, [messageUuid]);
    expect(history).toEqual([{ sequence: 1, state: MessageState.Queued }]);
    // One row names the batch's events; the sweep's copies are rebuilt from the history.
    const [row] = inserted.outbox;
    expect(inserted.outbox).toEqual([row, row]);
    expect(row).toEqual({ id: expect.any(String), events: 2 });
    const events = await new StatusOutboxRepository(dataSource).eventsOf([row?.id ?? '0']);
    expect(events.map((e) => e.messageUuid).sort()).toEqual(rows.map((r) => r.messageUuid).sort());
    expect(events.find((e) => e.messageUuid === messageUuid)).toEqual({
      messageUuid,
      accountId,
      state: MessageState.Queued,
      errorCode: MessageErrorCode.Ok,
      sequence: 1,
      occurredAt: rows[0]?.acceptedAt.getTime(),
      record: null,
      accepted: null,
    });
  });

  it('names every event of a transition statement in one status outbox row', async () => {
    const uuids = [await accept(), await accept(), await accept()];
    const applied = await repository.transitionMany(MessageState.Sent, uuids.map((messageUuid) => ({ messageUuid, errorCode: MessageErrorCode.Ok })));
    const rows = new Set(applied.map((a) => JSON.stringify(a?.outbox)));
    expect(rows.size).toBe(1);
    const [row] = applied.map((a) => a?.outbox);
    expect(row?.events).toBe(3);
    const events = await new StatusOutboxRepository(dataSource).eventsOf([row?.id ?? '0']);
    expect(events.map((e) => [e.messageUuid, e.state, e.sequence]).sort()).toEqual(uuids.map((u) => [u, MessageState.Sent, 2]).sort());
  });

  it('applies a transition once: a replay changes nothing', async () => {
    const messageUuid = await accept();
    const sent = await repository.transition(messageUuid, MessageState.Sent, MessageErrorCode.Ok, { carrierMessageId: `c-${messageUuid}` });
    expect(sent?.event).toMatchObject({ messageUuid, state: MessageState.Sent, sequence: 2 });
    expect(await repository.transition(messageUuid, MessageState.Sent, MessageErrorCode.Ok)).toBeNull();
    const delivered = await repository.transition(messageUuid, MessageState.Delivered, MessageErrorCode.Ok, { deliveryReportAt: new Date() });
    expect(delivered?.event.sequence).toBe(3);
    // A late failure cannot overwrite a final state.
    expect(await repository.transition(messageUuid, MessageState.Failed, MessageErrorCode.Expired)).toBeNull();
    const message = await repository.findOne(messageUuid);
    expect(message).toMatchObject({ messageState: MessageState.Delivered, sequence: 3, carrierMessageId: `c-${messageUuid}` });
    const states = await dataSource.query(`SELECT state FROM status_events WHERE message_uuid = $1 ORDER BY sequence`, [messageUuid]);
    expect(states.map((r: { state: string }) => r.state)).toEqual(['queued', 'sent', 'delivered']);
  });

  it('zeroes the charge of a failed message', async () => {
    const messageUuid = await accept();
    await repository.transition(messageUuid, MessageState.Failed, MessageErrorCode.Expired, { zeroCharge: true });
    const message = await repository.findOne(messageUuid);
    expect(message).toMatchObject({ messageState: MessageState.Failed, errorCode: '420' });
    expect(Number(must(message, 'the message').totalAmount)).toBe(0);
  });

  it('lets exactly one of many concurrent identical transitions win', async () => {
    const messageUuid = await accept();
    const results = await Promise.all(Array.from({ length: 8 }, () => repository.transition(messageUuid, MessageState.Sent, MessageErrorCode.Ok)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it('applies many transitions in one statement, each only where it may', async () => {
    const fresh = await Promise.all([accept(), accept(), accept()]);
    await repository.transition(fresh[2], MessageState.Failed, MessageErrorCode.Expired);
    const results = await repository.transitionMany(MessageState.Sent, [
      { messageUuid: fresh[0], errorCode: MessageErrorCode.Ok, patch: { carrierMessageId: 'a-1' } },
      { messageUuid: fresh[1], errorCode: MessageErrorCode.Ok, patch: { carrierMessageId: 'b-1' } },
      { messageUuid: fresh[2], errorCode: MessageErrorCode.Ok },
      { messageUuid: randomUUID(), errorCode: MessageErrorCode.Ok },
    ]);
    expect(results.map((r) => r?.event.sequence ?? null)).toEqual([2, 2, null, null]);
    expect((await repository.findOne(fresh[1]))?.carrierMessageId).toBe('b-1');
  });

  it('ignores a transition for an unknown message', async () => {
    expect(await repository.transition(randomUUID(), MessageState.Sent, MessageErrorCode.Ok)).toBeNull();
  });
});
