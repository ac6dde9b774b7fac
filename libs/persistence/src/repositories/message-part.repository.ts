// The parts of a message as the carrier knows them: one carrier id and one receipt per part.
import type { MessageErrorCode, MessageState } from '@sluice/contracts';
import type { DataSource } from 'typeorm';

export interface PartReceiptOutcome {
  readonly messageUuid: string;
  readonly partsTotal: number;
  readonly delivered: number;
  /** The first part (by sequence) with a failed receipt, if any. */
  readonly firstFailure: { readonly state: MessageState; readonly errorCode: MessageErrorCode } | null;
}

export class MessagePartRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records a part the carrier accepted; a replay of the same part changes nothing. */
  async recordSubmitted(messageUuid: string, partSeq: number, partsTotal: number, carrierMessageId: string): Promise<void> {
    await this.recordSubmittedMany([{ messageUuid, partSeq, partsTotal, carrierMessageId }]);
  }

  async recordSubmittedMany(parts: ReadonlyArray<{ messageUuid: string; partSeq: number; partsTotal: number; carrierMessageId: string }>): Promise<void> {
    if (parts.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO message_parts (message_uuid, part_seq, parts_total, carrier_message_id, submitted_at)
       SELECT u, s, t, c, now() FROM unnest($1::uuid[], $2::smallint[], $3::smallint[], $4::text[]) AS x(u, s, t, c)
       ON CONFLICT DO NOTHING`,
      [parts.map((p) => p.messageUuid), parts.map((p) => p.partSeq), parts.map((p) => p.partsTotal), parts.map((p) => p.carrierMessageId)],
    );
  }

  /**
   * Records the first receipt of the part with this carrier id and returns where its
   * message stands; null when no part has that id (yet). Receipts of one message's parts
   * are serialised on the message row, so two arriving together both count.
   */
  async recordReceipt(carrierMessageId: string, state: MessageState, errorCode: MessageErrorCode): Promise<PartReceiptOutcome | null> {
    // Most messages are one part: its receipt decides the message, with no other part to wait for.
    const single: Array<{ message_uuid: string; receipt_state: MessageState; receipt_error: MessageErrorCode }> = await this.dataSource.query(
      `WITH part AS (
         UPDATE message_parts SET receipt_state = COALESCE(receipt_state, $2), receipt_error = COALESCE(receipt_error, $3),
                                  receipt_at = COALESCE(receipt_at, now())
         WHERE carrier_message_id = $1 AND parts_total = 1
         RETURNING message_uuid, receipt_state, receipt_error
       )
       SELECT * FROM part`,
      [carrierMessageId, state, errorCode],
    );
    const one = single[0];
    if (one) {
      const delivered = one.receipt_state === 'delivered';
      return {
        messageUuid: one.message_uuid,
        partsTotal: 1,
        delivered: delivered ? 1 : 0,
        firstFailure: delivered ? null : { state: one.receipt_state, errorCode: one.receipt_error },
      };
    }
    return this.dataSource.transaction(async (manager) => {
      const found: Array<{ message_uuid: string }> = await manager.query(`SELECT message_uuid FROM message_parts WHERE carrier_message_id = $1`, [
        carrierMessageId,
      ]);
      const messageUuid = found[0]?.message_uuid;
      if (!messageUuid) return null;
      await manager.query(`SELECT 1 FROM messages WHERE message_uuid = $1 FOR UPDATE`, [messageUuid]);
      await manager.query(
        `UPDATE message_parts SET receipt_state = COALESCE(receipt_state, $2), receipt_error = COALESCE(receipt_error, $3),
                                  receipt_at = COALESCE(receipt_at, now())
         WHERE carrier_message_id = $1`,
        [carrierMessageId, state, errorCode],
      );
      const rows: Array<{ parts_total: number; delivered: string; failed_state: MessageState | null; failed_error: MessageErrorCode | null }> =
        await manager.query(
          `SELECT max(parts_total) AS parts_total,
                  count(*) FILTER (WHERE receipt_state = 'delivered') AS delivered,
                  (array_agg(receipt_state ORDER BY part_seq) FILTER (WHERE receipt_state <> 'delivered'))[1] AS failed_state,
                  (array_agg(receipt_error ORDER BY part_seq) FILTER (WHERE receipt_state <> 'delivered'))[1] AS failed_error
           FROM message_parts WHERE message_uuid = $1`,
          [messageUuid],
        );
      const row = rows[0]!;
      return {
        messageUuid,
        partsTotal: Number(row.parts_total),
        delivered: Number(row.delivered),
        firstFailure: row.failed_state ? { state: row.failed_state, errorCode: row.failed_error! } : null,
      };
    });
  }
}
