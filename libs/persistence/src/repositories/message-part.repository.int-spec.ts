import { MessageErrorCode, MessageState, must } from '@sluice/contracts';
import { testInfrastructure } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { AccountRepository } from './account.repository';
import { MessagePartRepository } from './message-part.repository';

describe('MessagePartRepository (real Postgres)', () => {
  let dataSource: DataSource;
  let parts: MessagePartRepository;
  let accountId: string;

  beforeAll(async () => {
    dataSource = await createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 2 }).initialize();
    parts = new MessagePartRepository(dataSource);
    accountId = (await new AccountRepository(dataSource).create({ name: 'message-part-test' })).authId;
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  async function messageWithParts(total: number): Promise<{ uuid: string; ids: string[] }> {
    const uuid = randomUUID();
    await dataSource.query(
      `INSERT INTO messages (message_uuid, account_id, message_time, message_direction, message_state, message_type, from_number, to_number,
         encoding, log_mode, units, total_rate, total_amount, error_code, message_expiry, callback_method, queued_at, updated_at)
       VALUES ($1, $2, now(), 'outbound', 'sent', 'sms', '14155550100', '12025550100', 'GSM', 'true', $3, 0.005, 0.01, '000', 10800, 'POST', now(), now())`,
      [uuid, accountId, total],
    );
    const ids = Array.from({ length: total }, () => randomUUID());
    await parts.recordSubmittedMany(ids.map((carrierMessageId, i) => ({ messageUuid: uuid, partSeq: i + 1, partsTotal: total, carrierMessageId })));
    return { uuid, ids };
  }

  it('is delivered only when every part is', async () => {
    const { uuid, ids } = await messageWithParts(3);
    const first = await parts.recordReceipt(ids[0], MessageState.Delivered, MessageErrorCode.Ok);
    expect(first).toEqual({ messageUuid: uuid, partsTotal: 3, delivered: 1, firstFailure: null });
    await parts.recordReceipt(ids[2], MessageState.Delivered, MessageErrorCode.Ok);
    const last = await parts.recordReceipt(ids[1], MessageState.Delivered, MessageErrorCode.Ok);
    expect(last).toMatchObject({ delivered: 3, firstFailure: null });
  });

  it('reports the first failed part, and keeps the first receipt of a part', async () => {
    const { ids } = await messageWithParts(2);
    await parts.recordReceipt(ids[0], MessageState.Delivered, MessageErrorCode.Ok);
    const failed = await parts.recordReceipt(ids[1], MessageState.Undelivered, MessageErrorCode.DestinationPermanentlyUnavailable);
    expect(failed).toMatchObject({ delivered: 1, firstFailure: { state: MessageState.Undelivered, errorCode: '70' } });
    const replay = await parts.recordReceipt(ids[1], MessageState.Delivered, MessageErrorCode.Ok);
    expect(replay).toMatchObject({ delivered: 1, firstFailure: { state: MessageState.Undelivered } });
  });

  it('counts parts whose receipts arrive at the same moment', async () => {
    const { ids } = await messageWithParts(4);
    const results = await Promise.all(ids.map((id) => parts.recordReceipt(id, MessageState.Delivered, MessageErrorCode.Ok)));
    expect(Math.max(...results.map((r) => must(r, 'a receipt outcome').delivered))).toBe(4);
  });

  it('records the receipts of several parts in one call, each answering the standing after all of them', async () => {
    const first = await messageWithParts(3);
    const second = await messageWithParts(2);
    const outcomes = await parts.recordReceipts([
      { carrierMessageId: first.ids[0], state: MessageState.Delivered, errorCode: MessageErrorCode.Ok },
      { carrierMessageId: second.ids[1], state: MessageState.Undelivered, errorCode: MessageErrorCode.DestinationPermanentlyUnavailable },
      { carrierMessageId: first.ids[2], state: MessageState.Delivered, errorCode: MessageErrorCode.Ok },
      // A second receipt of the same part in the same call: the first one stands.
      { carrierMessageId: first.ids[0], state: MessageState.Undelivered, errorCode: MessageErrorCode.DestinationPermanentlyUnavailable },
    ]);
    const firstStanding = { messageUuid: first.uuid, partsTotal: 3, delivered: 2, firstFailure: null };
    expect(outcomes).toEqual([
      firstStanding,
      { messageUuid: second.uuid, partsTotal: 2, delivered: 0, firstFailure: { state: MessageState.Undelivered, errorCode: '70' } },
      firstStanding,
      firstStanding,
    ]);
    expect(await parts.recordReceipts([{ carrierMessageId: first.ids[1], state: MessageState.Delivered, errorCode: MessageErrorCode.Ok }])).toEqual([
      { ...firstStanding, delivered: 3 },
    ]);
  });

  it('decides a one-part message from its only receipt', async () => {
    const { uuid, ids } = await messageWithParts(1);
    expect(await parts.recordReceipt(ids[0], MessageState.Undelivered, MessageErrorCode.DestinationPermanentlyUnavailable)).toEqual({
      messageUuid: uuid,
      partsTotal: 1,
      delivered: 0,
      firstFailure: { state: MessageState.Undelivered, errorCode: '70' },
    });
    expect(await parts.recordReceipt(ids[0], MessageState.Delivered, MessageErrorCode.Ok)).toMatchObject({ delivered: 0 });
  });

  it('lists the parts the carrier accepted, in order, for a dispatcher taking over a message', async () => {
    const { uuid, ids } = await messageWithParts(3);
    const other = await messageWithParts(1);
    const none = randomUUID();
    const bare = (await messageWithParts(0)).uuid;
    const found = await parts.dispatchStandingOf([uuid, other.uuid, bare, none]);
    expect(found.get(uuid)?.submitted.map((p) => [p.partSeq, p.carrierMessageId])).toEqual(ids.map((id, i) => [i + 1, id]));
    expect(found.get(uuid)?.state).toBe(MessageState.Sent);
    expect(found.get(other.uuid)?.submitted).toHaveLength(1);
    expect(found.get(uuid)?.submitted[0]?.submittedAt).toBeInstanceOf(Date);
    expect(found.get(bare)).toEqual({ state: MessageState.Sent, submitted: [], contentKey: null });
    expect(found.has(none)).toBe(false);
  });

  it('tells where recorded receipts leave a message, leaving out messages with none', async () => {
    const receipted = await messageWithParts(2);
    const waiting = await messageWithParts(1);
    await parts.recordReceipt(receipted.ids[1], MessageState.Delivered, MessageErrorCode.Ok);
    expect(await parts.standingOf([receipted.uuid, waiting.uuid])).toEqual([
      { messageUuid: receipted.uuid, partsTotal: 2, delivered: 1, firstFailure: null },
    ]);
    await parts.recordReceipt(receipted.ids[0], MessageState.Delivered, MessageErrorCode.Ok);
    expect(await parts.standingOf([receipted.uuid])).toEqual([{ messageUuid: receipted.uuid, partsTotal: 2, delivered: 2, firstFailure: null }]);
  });

  const earlyReceipt = async (carrierMessageId: string): Promise<unknown[]> =>
    dataSource.query(`SELECT receipt_state, receipt_error FROM early_receipts WHERE carrier_message_id = $1`, [carrierMessageId]);

  it('records many receipts in one call, one outcome each in order, whatever mix they are', async () => {
    const one = await messageWithParts(1);
    const failing = await messageWithParts(1);
    const longer = await messageWithParts(2);
    const unknown = randomUUID();
    const outcomes = await parts.recordReceipts([
      { carrierMessageId: one.ids[0], state: MessageState.Delivered, errorCode: MessageErrorCode.Ok },
      { carrierMessageId: unknown, state: MessageState.Delivered, errorCode: MessageErrorCode.Ok },
      { carrierMessageId: failing.ids[0], state: MessageState.Undelivered, errorCode: MessageErrorCode.DestinationPermanentlyUnavailable },
      { carrierMessageId: longer.ids[1], state: MessageState.Delivered, errorCode: MessageErrorCode.Ok },
      // The same receipt twice in one batch: both see the part as recorded once.
      { carrierMessageId: one.ids[0], state: MessageState.Undelivered, errorCode: MessageErrorCode.DestinationPermanentlyUnavailable },
    ]);
    expect(outcomes).toEqual([
      { messageUuid: one.uuid, partsTotal: 1, delivered: 1, firstFailure: null },
      null,
      { messageUuid: failing.uuid, partsTotal: 1, delivered: 0, firstFailure: { state: MessageState.Undelivered, errorCode: '70' } },
      { messageUuid: longer.uuid, partsTotal: 2, delivered: 1, firstFailure: null },
      { messageUuid: one.uuid, partsTotal: 1, delivered: 1, firstFailure: null },
    ]);
    // The unknown id was kept for its part; a second receipt for it is kept once and still null.
    expect(await earlyReceipt(unknown)).toHaveLength(1);
    expect(await parts.recordReceipts([{ carrierMessageId: unknown, state: MessageState.Undelivered, errorCode: MessageErrorCode.Ok }])).toEqual([null]);
    expect(await earlyReceipt(unknown)).toEqual([expect.objectContaining({ receipt_state: 'delivered' })]);
    // A replayed batch changes nothing: the first receipt of each part stands.
    const again = await parts.recordReceipts([{ carrierMessageId: failing.ids[0], state: MessageState.Delivered, errorCode: MessageErrorCode.Ok }]);
    expect(again).toEqual([{ messageUuid: failing.uuid, partsTotal: 1, delivered: 0, firstFailure: { state: MessageState.Undelivered, errorCode: '70' } }]);
  });

  it('keeps a receipt for an id it does not know yet, and gives it to the part when it is recorded', async () => {
    const uuid = (await messageWithParts(0)).uuid;
    const id = randomUUID();
    expect(await parts.recordReceipt(id, MessageState.Undelivered, MessageErrorCode.DestinationPermanentlyUnavailable)).toBeNull();
    expect(await earlyReceipt(id)).toEqual([{ receipt_state: 'undelivered', receipt_error: '70' }]);
    await parts.recordSubmittedMany([{ messageUuid: uuid, partSeq: 1, partsTotal: 1, carrierMessageId: id }]);
    expect(await earlyReceipt(id)).toEqual([]);
    expect(await parts.standingOf([uuid])).toEqual([
      { messageUuid: uuid, partsTotal: 1, delivered: 0, firstFailure: { state: MessageState.Undelivered, errorCode: '70' } },
    ]);
  });

  it('moves a kept receipt onto a part recorded without it, and drops kept receipts that never found a part', async () => {
    const { uuid, ids } = await messageWithParts(2);
    // The part was written at the same moment as the receipt, each missing the other.
    await dataSource.query(`INSERT INTO early_receipts (carrier_message_id, receipt_state, receipt_error) VALUES ($1, 'delivered', '000')`, [ids[1]]);
    const orphan = randomUUID();
    await dataSource.query(
      `INSERT INTO early_receipts (carrier_message_id, receipt_state, receipt_error, received_at) VALUES ($1, 'delivered', '000', now() - interval '2 days')`,
      [orphan],
    );
    expect(await parts.applyEarlyReceipts(86_400_000)).toContain(uuid);
    expect(await parts.standingOf([uuid])).toEqual([{ messageUuid: uuid, partsTotal: 2, delivered: 1, firstFailure: null }]);
    expect(await earlyReceipt(ids[1])).toEqual([]);
    expect(await earlyReceipt(orphan)).toEqual([]);
    expect(await parts.applyEarlyReceipts(86_400_000)).not.toContain(uuid);
  });

  it('finds messages still sent whose parts carry a receipt, within the time asked', async () => {
    const receipted = await messageWithParts(1);
    const waiting = await messageWithParts(1);
    const old = await messageWithParts(1);
    await dataSource.query(`UPDATE messages SET sent_at = now() - interval '10 seconds' WHERE message_uuid = ANY($1::uuid[])`, [[receipted.uuid, waiting.uuid]]);
    await dataSource.query(`UPDATE messages SET sent_at = now() - interval '2 hours' WHERE message_uuid = $1`, [old.uuid]);
    for (const m of [receipted, old]) await parts.recordReceipt(m.ids[0], MessageState.Delivered, MessageErrorCode.Ok);
    const found = await parts.sentWithReceipts(5_000, 3_600_000, 10_000);
    expect(found).toContain(receipted.uuid);
    expect(found).not.toContain(waiting.uuid);
    expect(found).not.toContain(old.uuid);
    expect(await parts.sentWithReceipts(60_000, 3_600_000, 10_000)).not.toContain(receipted.uuid);
  });

  it('ignores a part recorded twice', async () => {
    const { uuid, ids } = await messageWithParts(1);
    await parts.recordSubmittedMany([{ messageUuid: uuid, partSeq: 1, partsTotal: 1, carrierMessageId: ids[0] }]);
    const rows = await dataSource.query(`SELECT count(*)::int AS n FROM message_parts WHERE message_uuid = $1`, [uuid]);
    expect(rows[0].n).toBe(1);
  });
});
