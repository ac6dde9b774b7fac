// Queries on message records: acceptance and guarded state transitions.
import { MessageErrorCode, MessageState, SmsStatusPayload, Topic } from '@sluice/contracts';
import { ALLOWED_PREDECESSORS } from '@sluice/domain';
import type { DataSource, EntityManager } from 'typeorm';
import { MessageEntity } from '../entities';

/** Columns a transition may set besides state, error code and sequence. */
export interface TransitionPatch {
  readonly carrierMessageId?: string;
  readonly mcc?: string;
  readonly mnc?: string;
  readonly sentAt?: Date;
  readonly deliveryReportAt?: Date;
  /** Failed messages are not charged. */
  readonly zeroCharge?: boolean;
}

export interface AppliedTransition {
  readonly event: SmsStatusPayload;
  /** The outbox row holding the event until it is published. */
  readonly outboxId: string;
}

export class MessageRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findOne(messageUuid: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ messageUuid });
  }

  async findByCarrierMessageId(carrierMessageId: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ carrierMessageId });
  }

  /** Current state of each message that exists, by uuid. */
  async statesOf(messageUuids: readonly string[]): Promise<Map<string, MessageState>> {
    if (messageUuids.length === 0) return new Map();
    const rows: Array<{ message_uuid: string; message_state: MessageState }> = await this.dataSource.query(
      `SELECT message_uuid, message_state FROM messages WHERE message_uuid = ANY($1::uuid[])`,
      [messageUuids],
    );
    return new Map(rows.map((r) => [r.message_uuid, r.message_state]));
  }

  /** Inserts accepted messages with their first status event and its outbox record, in the caller's transaction. */
  async insertAccepted(manager: EntityManager, messages: readonly MessageEntity[]): Promise<string[]> {
    if (messages.length === 0) return [];
    await manager.getRepository(MessageEntity).insert(messages.map((m) => ({ ...m })));
    await manager.query(
      `INSERT INTO status_events (message_uuid, sequence, state, error_code, occurred_at)
       SELECT u, 1, $2, $3, t FROM unnest($1::uuid[], $4::timestamptz[]) AS x(u, t)`,
      [messages.map((m) => m.messageUuid), MessageState.Queued, MessageErrorCode.Ok, messages.map((m) => m.queuedAt)],
    );
    const rows: Array<{ id: string }> = await manager.query(
      `INSERT INTO outbox (topic, record_key, payload)
       SELECT $1, u, json_build_object('messageUuid', u, 'accountId', a, 'state', $2::text, 'errorCode', $3::text,
                                       'sequence', 1, 'occurredAt', (extract(epoch from t) * 1000)::bigint)
       FROM unnest($4::text[], $5::text[], $6::timestamptz[]) AS x(u, a, t)
       RETURNING id`,
      [
        Topic.SmsStatus,
        MessageState.Queued,
        MessageErrorCode.Ok,
        messages.map((m) => m.messageUuid),
        messages.map((m) => m.accountId),
        messages.map((m) => m.queuedAt),
      ],
    );
    return rows.map((r) => String(r.id));
  }

  /**
   * Moves a message to `state` only from the states it may follow, records the event
   * in the history and the outbox, all in one statement. Null when the message is
   * unknown or already past that point (a replay), so callers change nothing twice.
   */
  async transition(
    messageUuid: string,
    state: MessageState,
    errorCode: MessageErrorCode,
    patch: TransitionPatch = {},
  ): Promise<AppliedTransition | null> {
    const rows: Array<{ account_id: string; sequence: number; occurred_at: string; outbox_id: string }> =
      await this.dataSource.query(
        `WITH updated AS (
           UPDATE messages SET
             message_state = $2, error_code = $3, sequence = sequence + 1, updated_at = now(),
             carrier_message_id = COALESCE($5, carrier_message_id),
             mcc = COALESCE($6, mcc), mnc = COALESCE($7, mnc),
             sent_at = COALESCE($8, sent_at),
             delivery_report_at = COALESCE($9, delivery_report_at),
             total_amount = CASE WHEN $10 THEN 0 ELSE total_amount END,
             total_rate = CASE WHEN $10 THEN 0 ELSE total_rate END
           WHERE message_uuid = $1 AND message_state = ANY($4::text[])
           RETURNING message_uuid, account_id, sequence, updated_at
         ), history AS (
           INSERT INTO status_events (message_uuid, sequence, state, error_code, occurred_at)
           SELECT message_uuid, sequence, $2, $3, updated_at FROM updated
         ), outbox_row AS (
           INSERT INTO outbox (topic, record_key, payload)
           SELECT $11, message_uuid::text, json_build_object(
             'messageUuid', message_uuid, 'accountId', account_id, 'state', $2::text, 'errorCode', $3::text,
             'sequence', sequence, 'occurredAt', (extract(epoch from updated_at) * 1000)::bigint)
           FROM updated RETURNING id
         )
         SELECT u.account_id, u.sequence, u.updated_at AS occurred_at, o.id AS outbox_id FROM updated u, outbox_row o`,
        [
          messageUuid,
          state,
          errorCode,
          ALLOWED_PREDECESSORS[state],
          patch.carrierMessageId ?? null,
          patch.mcc ?? null,
          patch.mnc ?? null,
          patch.sentAt ?? null,
          patch.deliveryReportAt ?? null,
          patch.zeroCharge ?? false,
          Topic.SmsStatus,
        ],
      );
    const row = rows[0];
    if (!row) return null;
    return {
      outboxId: String(row.outbox_id),
      event: {
        messageUuid,
        accountId: row.account_id,
        state,
        errorCode,
        sequence: Number(row.sequence),
        occurredAt: new Date(row.occurred_at).getTime(),
      },
    };
  }
}
