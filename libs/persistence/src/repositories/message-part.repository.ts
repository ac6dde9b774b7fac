// The parts of a message as the carrier knows them: one carrier id and one receipt per part.
import { must, type MessageErrorCode, type MessageState } from '@sluice/contracts';
import type { DataSource } from 'typeorm';
import { preparedQuery } from './prepared';

export interface PartReceiptOutcome {
  readonly messageUuid: string;
  readonly partsTotal: number;
  readonly delivered: number;
  /** The first part (by sequence) with a failed receipt, if any. */
  readonly firstFailure: { readonly state: MessageState; readonly errorCode: MessageErrorCode } | null;
}

export interface SubmittedPart {
  readonly partSeq: number;
  readonly carrierMessageId: string;
  readonly submittedAt: Date;
}

export interface DispatchStanding {
  readonly state: MessageState;
  readonly submitted: SubmittedPart[];
  /** The key of the message's sealed content while it is queued (see `sealContent`), else null. */
  readonly contentKey: Buffer | null;
}

export interface ReceiptToRecord {
  readonly carrierMessageId: string;
  readonly state: MessageState;
  readonly errorCode: MessageErrorCode;
}

/** A message's standing as `receipt_standing` (migration 1764400000006) answers it. */
interface StandingRow {
  message_uuid: string;
  parts_total: number;
  delivered: number;
  failed_state: MessageState | null;
  failed_error: MessageErrorCode | null;
}

function toStanding(row: StandingRow): PartReceiptOutcome {
  return {
    messageUuid: row.message_uuid,
    partsTotal: Number(row.parts_total),
    delivered: Number(row.delivered),
    firstFailure: row.failed_state ? { state: row.failed_state, errorCode: must(row.failed_error, 'the error of the failed receipt') } : null,
  };
}

/** The first key of the advisory locks that serialise the receipts of one message's parts. */
const RECEIPT_LOCK_SPACE = 5_701;

export class MessagePartRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records parts the carrier accepted, each with the receipt that came before it, if one did;
   * a replay of a part already recorded changes nothing.
   */
  async recordSubmittedMany(parts: ReadonlyArray<{ messageUuid: string; partSeq: number; partsTotal: number; carrierMessageId: string }>): Promise<void> {
    if (parts.length === 0) return;
    await preparedQuery(this.dataSource,
      `WITH early AS (DELETE FROM early_receipts WHERE carrier_message_id = ANY($4::text[]) RETURNING *)
       INSERT INTO message_parts (message_uuid, part_seq, parts_total, carrier_message_id, submitted_at, receipt_state, receipt_error, receipt_at)
       SELECT u, s, t, c, now(), early.receipt_state, early.receipt_error, early.received_at
         FROM unnest($1::uuid[], $2::smallint[], $3::smallint[], $4::text[]) AS x(u, s, t, c)
         LEFT JOIN early ON early.carrier_message_id = x.c
       ON CONFLICT DO NOTHING`,
      [parts.map((p) => p.messageUuid), parts.map((p) => p.partSeq), parts.map((p) => p.partsTotal), parts.map((p) => p.carrierMessageId)],
    );
  }

  /**
   * Records the first receipt of the part with this carrier id and returns where its
   * message stands. When no part has that id yet (the receipt overtook the carrier's
   * answer to the submit), the receipt is kept in `early_receipts` for the part to take
   * when it is recorded, and the result is null. Receipts of one message's parts are
   * serialised per message, so two arriving together both count.
   */
  async recordReceipt(carrierMessageId: string, state: MessageState, errorCode: MessageErrorCode): Promise<PartReceiptOutcome | null> {
    return (await this.recordReceipts([{ carrierMessageId, state, errorCode }]))[0] ?? null;
  }

  /**
   * `recordReceipt` for many receipts, one outcome each, in order. The receipts of
   * single-part messages (most of them) and those kept for later share one statement; the
   * receipts of parts of longer messages share one transaction. Receipts of one message's
   * parts recorded in one call all answer the standing after all of them.
   */
  async recordReceipts(receipts: readonly ReceiptToRecord[]): Promise<Array<PartReceiptOutcome | null>> {
    if (receipts.length === 0) return [];
    // Most messages are one part: its receipt decides the message, with no other part to wait
    // for. The same statement keeps the receipts whose part has no row yet.
    const rows: Array<{ carrier_message_id: string; message_uuid: string | null; receipt_state: MessageState | null; receipt_error: MessageErrorCode | null; kept: boolean }> =
      await preparedQuery(
        this.dataSource,
        `WITH input AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS i(carrier_message_id, receipt_state, receipt_error, n)
         ), part AS (
           UPDATE message_parts p SET receipt_state = COALESCE(p.receipt_state, i.receipt_state), receipt_error = COALESCE(p.receipt_error, i.receipt_error),
                                      receipt_at = COALESCE(p.receipt_at, now())
             -- The first receipt of a part in the batch is the one that stands.
             FROM (SELECT DISTINCT ON (carrier_message_id) * FROM input ORDER BY carrier_message_id, n) i
            WHERE p.carrier_message_id = i.carrier_message_id AND p.parts_total = 1
           RETURNING p.carrier_message_id, p.message_uuid, p.receipt_state, p.receipt_error
         ), kept AS (
           INSERT INTO early_receipts (carrier_message_id, receipt_state, receipt_error)
           SELECT DISTINCT ON (i.carrier_message_id) i.carrier_message_id, i.receipt_state, i.receipt_error FROM input i
            WHERE NOT EXISTS (SELECT 1 FROM message_parts mp WHERE mp.carrier_message_id = i.carrier_message_id)
            ORDER BY i.carrier_message_id, i.n
           ON CONFLICT DO NOTHING
           RETURNING carrier_message_id
         )
         SELECT i.carrier_message_id, part.message_uuid, part.receipt_state, part.receipt_error, kept.carrier_message_id IS NOT NULL AS kept
           FROM (SELECT DISTINCT carrier_message_id FROM input) i
           LEFT JOIN part ON part.carrier_message_id = i.carrier_message_id
           LEFT JOIN kept ON kept.carrier_message_id = i.carrier_message_id`,
        [receipts.map((r) => r.carrierMessageId), receipts.map((r) => r.state), receipts.map((r) => r.errorCode)],
      );
    const byId = new Map(rows.map((row) => [row.carrier_message_id, row]));
    const longer = receipts.filter((receipt) => {
      const one = byId.get(receipt.carrierMessageId);
      return !one?.message_uuid && !one?.kept;
    });
    const onLonger = await this.recordOnLongerMessages(longer);
    return receipts.map((receipt): PartReceiptOutcome | null => {
      const one = byId.get(receipt.carrierMessageId);
      if (one?.message_uuid) {
        const delivered = one.receipt_state === 'delivered';
        return {
          messageUuid: one.message_uuid,
          partsTotal: 1,
          delivered: delivered ? 1 : 0,
          firstFailure: delivered
            ? null
            : { state: must(one.receipt_state, 'the receipt state of the part'), errorCode: must(one.receipt_error, 'the receipt error of the part') },
        };
      }
      if (one?.kept) return null;
      return onLonger.get(receipt.carrierMessageId) ?? null;
    });
  }

  /**
   * Receipts of parts of longer messages (or of parts recorded meanwhile), by one call of
   * `record_part_receipts` (migration 1764400000006): the receipts of one message's parts are
   * serialised on an advisory lock of the message (taken in message order, so two batches
   * never wait on each other in a circle), and each batch reads the standing after the parts
   * recorded before it committed, so two parts' receipts arriving together both count. A
   * receipt whose part is not recorded yet is kept in `early_receipts`. Answers each part's
   * message standing by carrier id.
   */
  private async recordOnLongerMessages(receipts: readonly ReceiptToRecord[]): Promise<Map<string, PartReceiptOutcome>> {
    if (receipts.length === 0) return new Map();
    const rows: Array<StandingRow & { carrier_message_id: string }> = await preparedQuery(
      this.dataSource,
      `SELECT * FROM record_part_receipts($1::text[], $2::text[], $3::text[], $4::int)`,
      [receipts.map((r) => r.carrierMessageId), receipts.map((r) => r.state), receipts.map((r) => r.errorCode), RECEIPT_LOCK_SPACE],
    );
    return new Map(rows.map((row) => [row.carrier_message_id, toStanding(row)]));
  }

  /**
   * Moves kept receipts onto their parts where the part has been recorded since (a part
   * written at the same moment as its receipt can miss it), and drops those older than
   * `dropAfterMs` that never found a part. Returns the messages whose parts changed.
   */
  async applyEarlyReceipts(dropAfterMs: number, limit = 500): Promise<string[]> {
    const rows: Array<{ message_uuid: string }> = await preparedQuery(this.dataSource,
      `WITH matched AS (
         DELETE FROM early_receipts e
          WHERE e.carrier_message_id IN (
                  SELECT e2.carrier_message_id FROM early_receipts e2 JOIN message_parts p ON p.carrier_message_id = e2.carrier_message_id LIMIT $1)
         RETURNING e.*
       ), applied AS (
         UPDATE message_parts p SET receipt_state = COALESCE(p.receipt_state, m.receipt_state), receipt_error = COALESCE(p.receipt_error, m.receipt_error),
                                    receipt_at = COALESCE(p.receipt_at, m.received_at)
           FROM matched m WHERE p.carrier_message_id = m.carrier_message_id
         RETURNING p.message_uuid
       ), dropped AS (
         DELETE FROM early_receipts e WHERE e.received_at < now() - make_interval(secs => $2::double precision / 1000)
           AND NOT EXISTS (SELECT 1 FROM message_parts p WHERE p.carrier_message_id = e.carrier_message_id)
       )
       SELECT DISTINCT message_uuid FROM applied`,
      [limit, dropAfterMs],
    );
    return rows.map((r) => r.message_uuid);
  }

  /**
   * Messages that turned `sent` between `withinMs` and `settledAfterMs` ago and have a
   * receipt recorded on a part: receipts a dispatcher recorded but did not get to apply.
   */
  async sentWithReceipts(settledAfterMs: number, withinMs: number, limit = 500): Promise<string[]> {
    const rows: Array<{ message_uuid: string }> = await this.dataSource.query(
      `SELECT m.message_uuid FROM messages m
        WHERE m.message_state = 'sent'
          AND m.sent_at < now() - make_interval(secs => $1::double precision / 1000)
          AND m.sent_at > now() - make_interval(secs => $2::double precision / 1000)
          AND EXISTS (SELECT 1 FROM message_parts p WHERE p.message_uuid = m.message_uuid AND p.receipt_state IS NOT NULL)
        LIMIT $3`,
      [settledAfterMs, withinMs, limit],
    );
    return rows.map((r) => r.message_uuid);
  }

  /**
   * Where the receipts recorded so far leave each message that has at least one: how many
   * parts were delivered and the first failure. Messages with no receipt recorded are left out.
   */
  async standingOf(messageUuids: readonly string[]): Promise<PartReceiptOutcome[]> {
    if (messageUuids.length === 0) return [];
    const rows: StandingRow[] = await preparedQuery(this.dataSource, `SELECT * FROM receipt_standing($1::uuid[])`, [messageUuids]);
    return rows.map(toStanding);
  }

  /**
   * Each existing message's state with the parts the carrier has accepted, in order (what a
   * dispatcher that died between the carrier's answer and the `sent` write had submitted),
   * in one round trip. Messages without a row are left out.
   */
  async dispatchStandingOf(messageUuids: readonly string[]): Promise<Map<string, DispatchStanding>> {
    const found = new Map<string, DispatchStanding>();
    if (messageUuids.length === 0) return found;
    const rows: Array<{
      message_uuid: string;
      message_state: MessageState;
      content_key: Buffer | null;
      part_seq: number | null;
      carrier_message_id: string | null;
      submitted_at: Date | null;
    }> =
      await preparedQuery(this.dataSource,
        `SELECT m.message_uuid, m.message_state, m.content_key, p.part_seq, p.carrier_message_id, p.submitted_at
           FROM messages m LEFT JOIN message_parts p ON p.message_uuid = m.message_uuid
          WHERE m.message_uuid = ANY($1::uuid[]) ORDER BY m.message_uuid, p.part_seq`,
        [messageUuids],
      );
    for (const row of rows) {
      const standing = found.get(row.message_uuid) ?? { state: row.message_state, submitted: [], contentKey: row.content_key };
      if (row.part_seq !== null) {
        standing.submitted.push({
          partSeq: Number(row.part_seq),
          carrierMessageId: must(row.carrier_message_id, 'the carrier id of a recorded part'),
          submittedAt: must(row.submitted_at, 'the submission time of a recorded part'),
        });
      }
      found.set(row.message_uuid, standing);
    }
    return found;
  }
}
