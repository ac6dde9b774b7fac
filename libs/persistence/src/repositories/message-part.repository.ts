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
    await this.dataSource.query(
      `INSERT INTO message_parts (message_uuid, part_seq, parts_total, carrier_message_id, submitted_at)
       VALUES ($1, $2, $3, $4, now()) ON CONFLICT DO NOTHING`,
      [messageUuid, partSeq, partsTotal, carrierMessageId],
    );
  }

  /**
   * Records the first receipt of the part with this carrier id and returns where its
   * message stands; null when no part has that id (yet).
   */
  async recordReceipt(carrierMessageId: string, state: MessageState, errorCode: MessageErrorCode): Promise<PartReceiptOutcome | null> {
    const rows: Array<{ message_uuid: string; parts_total: number; delivered: string; failed_state: MessageState | null; failed_error: MessageErrorCode | null }> =
      await this.dataSource.query(
        `WITH part AS (
           UPDATE message_parts SET receipt_state = COALESCE(receipt_state, $2), receipt_error = COALESCE(receipt_error, $3),
                                    receipt_at = COALESCE(receipt_at, now())
           WHERE carrier_message_id = $1
           RETURNING message_uuid, part_seq, receipt_state, receipt_error
         )
         SELECT p.message_uuid, max(p.parts_total) AS parts_total,
                count(*) FILTER (WHERE COALESCE(x.receipt_state, p.receipt_state) = 'delivered') AS delivered,
                (array_agg(COALESCE(x.receipt_state, p.receipt_state) ORDER BY p.part_seq)
                   FILTER (WHERE COALESCE(x.receipt_state, p.receipt_state) NOT IN ('delivered')))[1] AS failed_state,
                (array_agg(COALESCE(x.receipt_error, p.receipt_error) ORDER BY p.part_seq)
                   FILTER (WHERE COALESCE(x.receipt_state, p.receipt_state) NOT IN ('delivered')))[1] AS failed_error
         FROM message_parts p JOIN part ON part.message_uuid = p.message_uuid
         LEFT JOIN part x ON x.message_uuid = p.message_uuid AND x.part_seq = p.part_seq
         GROUP BY p.message_uuid`,
        [carrierMessageId, state, errorCode],
      );
    const row = rows[0];
    if (!row) return null;
    return {
      messageUuid: row.message_uuid,
      partsTotal: Number(row.parts_total),
      delivered: Number(row.delivered),
      firstFailure: row.failed_state ? { state: row.failed_state, errorCode: row.failed_error! } : null,
    };
  }
}
