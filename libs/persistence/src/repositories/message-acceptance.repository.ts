// Writes accepted messages in batches: one statement inserts every row of a batch of requests.
import {
  CallbackMethod,
  LogMode,
  MessageDirection,
  MessageErrorCode,
  MessageState,
  MessageType,
  SmsStatusPayload,
  TextEncoding,
} from '@sluice/contracts';
import { utcMonth } from '@sluice/domain';
import { randomInt } from 'node:crypto';
import { SPEND_SLOTS } from './fraud-controls.repository';
import { StatusOutboxRow, statusOutboxInsert } from './status-outbox.repository';

/** One accepted outbound message as stored: text and numbers already reduced to what `log` allows. */
export interface AcceptedMessageRow {
  readonly messageUuid: string;
  readonly accountId: string;
  /** The parent account for a subaccount, else `accountId`. */
  readonly rootAccountId: string;
  readonly messageType: MessageType;
  readonly fromNumber: string;
  readonly toNumber: string;
  readonly text: string | null;
  /** The key of the sealed content (see `sealContent`), for messages whose `log` mode does not keep it. */
  readonly contentKey: Buffer | null;
  readonly encoding: TextEncoding;
  readonly logMode: LogMode;
  readonly units: number;
  readonly totalRate: string;
  readonly totalAmount: string;
  /** `queued`, or `failed` for a message refused at acceptance (too long, media too large). */
  readonly state: typeof MessageState.Queued | typeof MessageState.Failed;
  readonly errorCode: MessageErrorCode;
  readonly messageExpiry: number;
  readonly callbackUrl: string | null;
  readonly callbackMethod: CallbackMethod;
  readonly powerpackId: string | null;
  readonly destinationCountry: string;
  readonly acceptedAt: Date;
}

export interface AcceptedMediaRow {
  readonly messageUuid: string;
  readonly position: number;
  readonly mediaId: string;
  readonly mediaUrl: string | null;
  readonly contentType: string;
  readonly size: number;
}

/** Anything that runs a query: a DataSource (autocommit) or a QueryRunner inside a transaction. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface InsertedBatch {
  /** The `sms.status` events recorded, as published right after the commit. */
  readonly events: SmsStatusPayload[];
  /** The status outbox row of each event (the batch's one row), holding them until they are published. */
  readonly outbox: StatusOutboxRow[];
}

export class MessageAcceptanceRepository {
  /**
   * Inserts the messages, their media, their history (`queued`, then `failed` for those
   * refused at acceptance), the status outbox row naming those events and the charged
   * amounts to the month's spend (`monthly_spend`), in one statement:
   * atomic on its own, or part of the caller's transaction. Returns the events and their
   * outbox row for an immediate publish.
   */
  async insertBatch(runner: Queryable, messages: readonly AcceptedMessageRow[], media: readonly AcceptedMediaRow[]): Promise<InsertedBatch> {
    if (messages.length === 0) return { outbox: [], events: [] };
    const payloads: SmsStatusPayload[] = [];
    const events = {
      uuid: [] as string[],
      sequence: [] as number[],
      state: [] as string[],
      errorCode: [] as string[],
      at: [] as string[],
    };
    const addEvent = (m: AcceptedMessageRow, sequence: number, state: MessageState, errorCode: MessageErrorCode): void => {
      events.uuid.push(m.messageUuid);
      events.sequence.push(sequence);
      events.state.push(state);
      events.errorCode.push(errorCode);
      events.at.push(m.acceptedAt.toISOString());
      // The copy published after the commit carries what its callbacks need (the outbox's does not).
      payloads.push({
        messageUuid: m.messageUuid,
        accountId: m.accountId,
        state,
        errorCode,
        sequence,
        occurredAt: m.acceptedAt.getTime(),
        record: { totalRate: m.totalRate, totalAmount: m.totalAmount, mcc: null, mnc: null, sentAt: null, deliveryReportAt: null },
        accepted: {
          callbackUrl: m.callbackUrl,
          callbackMethod: m.callbackMethod,
          from: m.fromNumber,
          to: m.toNumber,
          type: m.messageType,
          units: m.units,
          powerpackUuid: m.powerpackId,
        },
      });
    };
    for (const m of messages) {
      addEvent(m, 1, MessageState.Queued, MessageErrorCode.Ok);
      if (m.state === MessageState.Failed) addEvent(m, 2, MessageState.Failed, m.errorCode);
    }
    const column = <T>(pick: (m: AcceptedMessageRow) => T): T[] => messages.map(pick);
    const rows = (await runner.query(
      `WITH accepted AS (
         INSERT INTO messages (message_uuid, account_id, root_account_id, message_time, message_direction, message_state,
                               message_type, from_number, to_number, text, encoding, log_mode, units, total_rate, total_amount,
                               error_code, message_expiry, callback_url, callback_method, sequence, queued_at, updated_at,
                               powerpack_id, destination_country, content_key)
         SELECT u, a, r, t, $22, s, ty, f, d, tx, enc, lm, un, tr, ta, ec, ex, cu, cm, sq, t, t, pp, dc, ck
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::text[], $10::text[], $11::text[], $12::smallint[], $13::numeric[], $14::numeric[], $15::text[],
                     $16::integer[], $17::text[], $18::text[], $19::integer[], $20::uuid[], $21::text[], $34::bytea[])
           AS x(u, a, r, t, s, ty, f, d, tx, enc, lm, un, tr, ta, ec, ex, cu, cm, sq, pp, dc, ck)
       ), media AS (
         INSERT INTO message_media (message_uuid, position, media_id, media_url, content_type, size)
         SELECT * FROM unnest($23::uuid[], $24::smallint[], $25::uuid[], $26::text[], $27::text[], $28::integer[])
       ), history AS (
         INSERT INTO status_events (message_uuid, sequence, state, error_code, occurred_at)
         SELECT * FROM unnest($29::uuid[], $30::integer[], $31::text[], $32::text[], $33::timestamptz[])
       ), spend AS (
         -- The month's spend (spending limits) grows with the charged rows, in this statement. One random slot per
         -- statement keeps concurrent statements off each other's rows; the sort keeps their lock order the same.
         INSERT INTO monthly_spend AS ms (account_id, month, slot, root_account_id, amount)
         SELECT a, mo::date, $36, r, sum(ta) FROM unnest($2::text[], $3::text[], $35::text[], $14::numeric[]) AS x(a, r, mo, ta)
         WHERE ta > 0 GROUP BY a, mo, r ORDER BY a, mo
         ON CONFLICT (account_id, month, slot) DO UPDATE SET amount = ms.amount + EXCLUDED.amount
       )
       ${statusOutboxInsert('unnest($29::uuid[], $30::integer[]) AS x(message_uuid, sequence)')}`,
      [
        column((m) => m.messageUuid),
        column((m) => m.accountId),
        column((m) => m.rootAccountId),
        column((m) => m.acceptedAt.toISOString()),
        column((m) => m.state),
        column((m) => m.messageType),
        column((m) => m.fromNumber),
        column((m) => m.toNumber),
        column((m) => m.text),
        column((m) => m.encoding),
        column((m) => m.logMode),
        column((m) => m.units),
        column((m) => m.totalRate),
        column((m) => m.totalAmount),
        column((m) => m.errorCode),
        column((m) => m.messageExpiry),
        column((m) => m.callbackUrl),
        column((m) => m.callbackMethod),
        column((m) => (m.state === MessageState.Failed ? 2 : 1)),
        column((m) => m.powerpackId),
        column((m) => m.destinationCountry),
        MessageDirection.Outbound,
        media.map((x) => x.messageUuid),
        media.map((x) => x.position),
        media.map((x) => x.mediaId),
        media.map((x) => x.mediaUrl),
        media.map((x) => x.contentType),
        media.map((x) => x.size),
        events.uuid,
        events.sequence,
        events.state,
        events.errorCode,
        events.at,
        column((m) => m.contentKey),
        column((m) => utcMonth(m.acceptedAt.getTime())),
        randomInt(SPEND_SLOTS),
      ],
    )) as Array<{ id: string; events: number }>;
    const row = rows[0];
    const outbox: StatusOutboxRow | undefined = row && { id: String(row.id), events: Number(row.events) };
    return { outbox: outbox ? payloads.map(() => outbox) : [], events: payloads };
  }
}
