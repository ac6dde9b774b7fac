import { MessageErrorCode, MessageState } from '@sluice/contracts';
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
    for (let i = 0; i < total; i += 1) await parts.recordSubmitted(uuid, i + 1, total, ids[i]!);
    return { uuid, ids };
  }

  it('is delivered only when every part is', async () => {
    const { uuid, ids } = await messageWithParts(3);
    const first = await parts.recordReceipt(ids[0]!, MessageState.Delivered, MessageErrorCode.Ok);
    expect(first).toEqual({ messageUuid: uuid, partsTotal: 3, delivered: 1, firstFailure: null });
    await parts.recordReceipt(ids[2]!, MessageState.Delivered, MessageErrorCode.Ok);
    const last = await parts.recordReceipt(ids[1]!, MessageState.Delivered, MessageErrorCode.Ok);
    expect(last).toMatchObject({ delivered: 3, firstFailure: null });
  });

  it('reports the first failed part, and keeps the first receipt of a part', async () => {
    const { ids } = await messageWithParts(2);
    await parts.recordReceipt(ids[0]!, MessageState.Delivered, MessageErrorCode.Ok);
    const failed = await parts.recordReceipt(ids[1]!, MessageState.Undelivered, MessageErrorCode.DestinationPermanentlyUnavailable);
    expect(failed).toMatchObject({ delivered: 1, firstFailure: { state: MessageState.Undelivered, errorCode: '70' } });
    const replay = await parts.recordReceipt(ids[1]!, MessageState.Delivered, MessageErrorCode.Ok);
    expect(replay).toMatchObject({ delivered: 1, firstFailure: { state: MessageState.Undelivered } });
  });

  it('counts parts whose receipts arrive at the same moment', async () => {
    const { ids } = await messageWithParts(4);
    const results = await Promise.all(ids.map((id) => parts.recordReceipt(id, MessageState.Delivered, MessageErrorCode.Ok)));
    expect(Math.max(...results.map((r) => r!.delivered))).toBe(4);
  });

  it('decides a one-part message from its only receipt', async () => {
    const { uuid, ids } = await messageWithParts(1);
    expect(await parts.recordReceipt(ids[0]!, MessageState.Undelivered, MessageErrorCode.DestinationPermanentlyUnavailable)).toEqual({
      messageUuid: uuid,
      partsTotal: 1,
      delivered: 0,
      firstFailure: { state: MessageState.Undelivered, errorCode: '70' },
    });
    expect(await parts.recordReceipt(ids[0]!, MessageState.Delivered, MessageErrorCode.Ok)).toMatchObject({ delivered: 0 });
  });

  it('returns null for an id it does not know yet', async () => {
    expect(await parts.recordReceipt(randomUUID(), MessageState.Delivered, MessageErrorCode.Ok)).toBeNull();
  });

  it('ignores a part recorded twice', async () => {
    const { uuid, ids } = await messageWithParts(1);
    await parts.recordSubmitted(uuid, 1, 1, ids[0]!);
    const rows = await dataSource.query(`SELECT count(*)::int AS n FROM message_parts WHERE message_uuid = $1`, [uuid]);
    expect(rows[0].n).toBe(1);
  });
});
