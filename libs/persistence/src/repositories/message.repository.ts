// Queries on message records: look-ups and guarded state transitions (acceptance is in message-acceptance.repository.ts).
import { MessageErrorCode, MessageState, SmsStatusPayload } from '@sluice/contracts';
import { ALLOWED_PREDECESSORS } from '@sluice/domain';
import type { DataSource, EntityManager } from 'typeorm';
import { randomInt } from 'node:crypto';
import { MessageEntity } from '../entities';
import { SPEND_SLOTS } from './fraud-controls.repository';
import { StatusOutboxRow, statusOutboxInsert } from './status-outbox.repository';
import { preparedQuery } from './prepared';

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

export interface TransitionRequest {
  readonly messageUuid: string;
  readonly errorCode: MessageErrorCode;
  readonly patch?: TransitionPatch;
}

export interface AppliedTransition {
  readonly event: SmsStatusPayload;
  /** The status outbox row naming the event (and the rest of its statement's) until they are published. */
  readonly outbox: StatusOutboxRow;
}

/**
 * A message the expiry sweep fails (`m` messages; $1 the grace in ms): still queued more than
 * the grace past its expiry, with no part at the carrier (a message with one is left to
 * carrier-dispatch, which completes it). The state is written out, not a parameter: only then
 * can a prepared statement's generic plan use the partial index of queued messages by deadline
 * (with a parameter it read every queued row, 15-20 ms a sweep with 12,000 waiting).
 */
const EXPIRED_QUEUED = `m.message_state = '${MessageState.Queued}'
            AND message_expiry_deadline(m.message_time, m.message_expiry) < now() - make_interval(secs => $1::double precision / 1000)
            AND NOT EXISTS (SELECT 1 FROM message_parts p WHERE p.message_uuid = m.message_uuid)`;

export class MessageRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findOne(messageUuid: string): Promise<MessageEntity | null> {
    return this.dataSource.getRepository(MessageEntity).findOneBy({ messageUuid });
  }

  /** Current state of each message that exists, by uuid. */
  async statesOf(messageUuids: readonly string[]): Promise<Map<string, MessageState>> {
    if (messageUuids.length === 0) return new Map();
    const rows: Array<{ message_uuid: string; message_state: MessageState }> = await preparedQuery(this.dataSource,
      `SELECT message_uuid, message_state FROM messages WHERE message_uuid = ANY($1::uuid[])`,
      [messageUuids],
    );
    return new Map(rows.map((r) => [r.message_uuid, r.message_state]));
  }

  /**
   * Erases the content key of inbound messages that stay `received` (their Application has
   * no Message URL): nothing will deliver their sealed content, so no copy of it may stay
   * readable. Returns how many keys were erased.
   */
  async eraseContentKeys(messageUuids: readonly string[]): Promise<number> {
    if (messageUuids.length === 0) return 0;
    const rows: Array<{ message_uuid: string }> = await this.dataSource.query(
      `UPDATE messages SET content_key = NULL
       WHERE message_uuid = ANY($1::uuid[]) AND message_state = $2 AND content_key IS NOT NULL
       RETURNING message_uuid`,
      [messageUuids, MessageState.Received],
    );
    return rows.length;
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
    const [applied] = await this.transitionMany(state, [{ messageUuid, errorCode, patch }]);
    return applied ?? null;
  }

  /**
   * Whether `expireQueued(…, graceMs)` would find anything: one read, no transaction and no
   * lock, so that a sweep with nothing to do costs a single statement.
   */
  async anyExpiredQueued(graceMs: number): Promise<boolean> {
    const rows: Array<{ due: boolean }> = await preparedQuery(this.dataSource, `SELECT EXISTS (SELECT 1 FROM messages m WHERE ${EXPIRED_QUEUED}) AS due`, [graceMs]);
    return rows[0]?.due === true;
  }

  /**
   * Fails with 420, uncharged, up to `limit` messages still `queued` whose `message_expiry`
   * ended more than `graceMs` ago, through the guarded transition (status event and outbox
   * included). Rows are locked with SKIP LOCKED, so concurrent sweeps share the work and
   * apply each expiry once. A message with a part already at the carrier is left to
   * carrier-dispatch, which completes it. Only Postgres takes part. `manager` runs it in
   * the caller's transaction.
   */
  async expireQueued(limit: number, graceMs: number, manager?: EntityManager): Promise<AppliedTransition[]> {
    const run = async (tx: EntityManager): Promise<AppliedTransition[]> => {
      const due: Array<{ message_uuid: string }> = await tx.query(
        `SELECT m.message_uuid FROM messages m
          WHERE ${EXPIRED_QUEUED}
          ORDER BY message_expiry_deadline(m.message_time, m.message_expiry)
          LIMIT $2
          FOR UPDATE OF m SKIP LOCKED`,
        [graceMs, limit],
      );
      if (due.length === 0) return [];
      const applied = await this.transitionMany(
        MessageState.Failed,
        due.map((d) => ({ messageUuid: d.message_uuid, errorCode: MessageErrorCode.Expired, patch: { zeroCharge: true } })),
        tx,
      );
      return applied.filter((a): a is AppliedTransition => a !== null);
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  /**
   * The same for many messages moving to one state, in one statement; one result per
   * request, in order (null where nothing changed). `manager` runs it in the caller's transaction.
   */
  async transitionMany(
    state: MessageState,
    requests: readonly TransitionRequest[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Array<AppliedTransition | null>> {
    if (requests.length === 0) return [];
    const rows: Array<{ message_uuid: string; account_id: string; sequence: number; occurred_at: string; outbox_id: string; outbox_events: number; error_code: MessageErrorCode; total_rate: string; total_amount: string; mcc: string | null; mnc: string | null; sent_at: Date | null; delivery_report_at: Date | null }> =
      await preparedQuery(manager,
        `WITH input AS (
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::boolean[])
             AS x(message_uuid, error_code, carrier_message_id, mcc, mnc, sent_at, delivery_report_at, zero_charge)
         ), updated AS (
           UPDATE messages m SET
             message_state = $9, error_code = i.error_code, sequence = m.sequence + 1, updated_at = now(),
             -- Every transition leaves the queue: the sealed content's key is erased with it.
             content_key = NULL,
             carrier_message_id = COALESCE(i.carrier_message_id, m.carrier_message_id),
             mcc = COALESCE(i.mcc, m.mcc), mnc = COALESCE(i.mnc, m.mnc),
             sent_at = COALESCE(i.sent_at, m.sent_at),
             delivery_report_at = COALESCE(i.delivery_report_at, m.delivery_report_at),
             total_amount = CASE WHEN i.zero_charge THEN 0 ELSE m.total_amount END,
             total_rate = CASE WHEN i.zero_charge THEN 0 ELSE m.total_rate END
           FROM input i
           WHERE m.message_uuid = i.message_uuid AND m.message_state = ANY($10::text[])
           RETURNING m.message_uuid, m.account_id, m.sequence, m.updated_at, m.error_code,
                     m.total_rate, m.total_amount, m.mcc, m.mnc, m.sent_at, m.delivery_report_at
         ), history AS (
           INSERT INTO status_events (message_uuid, sequence, state, error_code, occurred_at)
           SELECT message_uuid, sequence, $9, error_code, updated_at FROM updated
         ), outbox_row AS (
           ${statusOutboxInsert('updated')}
         ), refund AS (
           -- An uncharged failure takes its amount off the month's spend (spending limits); p is the row before this update.
           INSERT INTO monthly_spend AS ms (account_id, month, slot, root_account_id, amount)
           SELECT p.account_id, date_trunc('month', p.message_time AT TIME ZONE 'UTC')::date, $11, COALESCE(p.root_account_id, p.account_id), -sum(p.total_amount)
           FROM messages p JOIN input i ON i.message_uuid = p.message_uuid JOIN updated u ON u.message_uuid = p.message_uuid
           WHERE i.zero_charge AND p.total_amount > 0 AND p.message_direction = 'outbound'
           GROUP BY 1, 2, 4 ORDER BY 1, 2
           ON CONFLICT (account_id, month, slot) DO UPDATE SET amount = ms.amount + EXCLUDED.amount
         )
         SELECT u.message_uuid, u.account_id, u.sequence, u.updated_at AS occurred_at, u.error_code,
                u.total_rate, u.total_amount, u.mcc, u.mnc, u.sent_at, u.delivery_report_at, o.id AS outbox_id, o.events AS outbox_events
         FROM updated u CROSS JOIN outbox_row o`,
        [
          requests.map((r) => r.messageUuid),
          requests.map((r) => r.errorCode),
          requests.map((r) => r.patch?.carrierMessageId ?? null),
          requests.map((r) => r.patch?.mcc ?? null),
          requests.map((r) => r.patch?.mnc ?? null),
          requests.map((r) => r.patch?.sentAt ?? null),
          requests.map((r) => r.patch?.deliveryReportAt ?? null),
          requests.map((r) => r.patch?.zeroCharge ?? false),
          state,
          ALLOWED_PREDECESSORS[state],
          randomInt(SPEND_SLOTS),
        ],
      );
    const byUuid = new Map(rows.map((row) => [row.message_uuid, row]));
    return requests.map(({ messageUuid }) => {
      const row = byUuid.get(messageUuid);
      if (!row) return null;
      return {
        // Every event of the statement is in its one outbox row.
        outbox: { id: String(row.outbox_id), events: Number(row.outbox_events) },
        event: {
          messageUuid,
          accountId: row.account_id,
          state,
          errorCode: row.error_code,
          sequence: Number(row.sequence),
          occurredAt: new Date(row.occurred_at).getTime(),
          record: {
            totalRate: row.total_rate,
            totalAmount: row.total_amount,
            mcc: row.mcc,
            mnc: row.mnc,
            sentAt: row.sent_at === null ? null : row.sent_at.getTime(),
            deliveryReportAt: row.delivery_report_at === null ? null : row.delivery_report_at.getTime(),
          },
        },
      };
    });
  }
}
