// Inbound (mobile-originated) messages: parts kept until their message is whole, and the message
// record with its history, its sms.inbound event and the opt-out list, one statement per batch.
import { MessageDirection, MessageErrorCode, MessageIntent, MessageState, MessageType, TextEncoding, Topic } from '@sluice/contracts';
import type { Queryable } from './message-acceptance.repository';

/** Advisory-lock class of a concatenated message's parts (two-key form; the key is a hash of the group). */
export const INBOUND_PARTS_LOCK_CLASS = 7_202_513;

/** One part of a concatenated MO, as the carrier sent it. */
export interface InboundPartRow {
  readonly fromNumber: string;
  readonly toNumber: string;
  /** The concatenation reference (8- or 16-bit) the sender chose. */
  readonly reference: number;
  readonly total: number;
  readonly seq: number;
  readonly dataCoding: number;
  /** The part's text bytes, user data header removed, not decoded yet. */
  readonly content: Buffer;
  readonly receivedAt: Date;
}

/** The parts of one message, in sequence order: all of them, or those that came before the timeout. */
export interface JoinedParts {
  readonly fromNumber: string;
  readonly toNumber: string;
  readonly reference: number;
  readonly total: number;
  readonly parts: ReadonlyArray<{ readonly seq: number; readonly dataCoding: number; readonly content: Buffer }>;
  /** When the last of them arrived. */
  readonly receivedAt: Date;
}

/** What `store` does about the opt-out list for a message; at most one message per (number, mobile) pair in a batch has one. */
export type OptOutAction = 'add' | 'remove';

/** One whole inbound message, decoded and classified; the number's owner decides the rest in SQL. */
export interface InboundMessageRow {
  readonly messageUuid: string;
  /** The mobile sender. */
  readonly fromNumber: string;
  /** The Sluice number it was sent to. */
  readonly toNumber: string;
  readonly messageType: MessageType;
  readonly text: string;
  /**
   * The text sealed under `contentKey` (see `sealContent`): what is stored and published
   * instead of the text when the number's Application does not log incoming messages.
   */
  readonly sealedContent: string;
  readonly contentKey: Buffer;
  readonly encoding: TextEncoding;
  readonly units: number;
  readonly intent: MessageIntent | null;
  readonly optOutAction: OptOutAction | null;
  readonly receivedAt: Date;
}

export interface StoredInbound {
  readonly messageUuid: string;
  /** The `sms.inbound` outbox row, or null when no account owns the number (kept in `unassigned_inbound`). */
  readonly outboxId: string | null;
}

interface PartRecord {
  from_number: string;
  to_number: string;
  reference: number;
  total: number;
  seq: number;
  data_coding: number;
  content: Buffer;
  received_at: Date;
}

/** Groups part rows (any order) into messages, parts in sequence order. */
function groupParts(rows: readonly PartRecord[]): JoinedParts[] {
  const groups = new Map<string, PartRecord[]>();
  for (const row of rows) {
    const key = groupKey(row.from_number, row.to_number, row.reference, row.total);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((records) => {
    const sorted = [...records].sort((a, b) => a.seq - b.seq);
    const first = sorted[0];
    return {
      fromNumber: first.from_number,
      toNumber: first.to_number,
      reference: Number(first.reference),
      total: Number(first.total),
      parts: sorted.map((r) => ({ seq: Number(r.seq), dataCoding: Number(r.data_coding), content: r.content })),
      receivedAt: new Date(Math.max(...sorted.map((r) => new Date(r.received_at).getTime()))),
    };
  });
}

function groupKey(from: string, to: string, reference: number, total: number): string {
  return `${from}/${to}/${reference}/${total}`;
}

export class InboundMessageRepository {
  /**
   * Keeps the parts and returns the messages they complete. Parts of one message may arrive
   * in any order, on any bind, at any dispatcher: each message's parts are serialised by an
   * advisory lock, and one statement then either keeps the new parts or, when they complete
   * their message, takes every part of it out of `inbound_parts` and returns them. A part
   * sent again changes nothing. Run it in the transaction that stores the completed messages.
   */
  async joinParts(runner: Queryable, parts: readonly InboundPartRow[]): Promise<JoinedParts[]> {
    if (parts.length === 0) return [];
    await this.lockGroups(runner, parts.map((p) => groupKey(p.fromNumber, p.toNumber, p.reference, p.total)));
    const column = <T>(pick: (p: InboundPartRow) => T): T[] => parts.map(pick);
    const rows = (await runner.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::smallint[], $5::smallint[], $6::smallint[], $7::bytea[], $8::timestamptz[])
           AS x(from_number, to_number, reference, total, seq, data_coding, content, received_at)
       ), groups AS (
         SELECT DISTINCT from_number, to_number, reference, total FROM input
       ), everything AS (
         -- A part already kept wins over the same part sent again.
         SELECT DISTINCT ON (from_number, to_number, reference, total, seq) from_number, to_number, reference, total, seq, data_coding, content, received_at
         FROM (
           SELECT p.from_number, p.to_number, p.reference, p.total, p.seq, p.data_coding, p.content, p.received_at, 0 AS fresh
           FROM inbound_parts p JOIN groups g USING (from_number, to_number, reference, total)
           UNION ALL
           SELECT from_number, to_number, reference, total, seq, data_coding, content, received_at, 1 FROM input
         ) candidates
         ORDER BY from_number, to_number, reference, total, seq, fresh
       ), complete AS (
         SELECT from_number, to_number, reference, total FROM everything GROUP BY 1, 2, 3, 4 HAVING count(*) = total
       ), taken AS (
         DELETE FROM inbound_parts p USING complete c
         WHERE (p.from_number, p.to_number, p.reference, p.total) = (c.from_number, c.to_number, c.reference, c.total)
       ), kept AS (
         INSERT INTO inbound_parts (from_number, to_number, reference, total, seq, data_coding, content, received_at)
         SELECT i.* FROM input i
         WHERE NOT EXISTS (SELECT 1 FROM complete c WHERE (c.from_number, c.to_number, c.reference, c.total) = (i.from_number, i.to_number, i.reference, i.total))
         ON CONFLICT DO NOTHING
       )
       SELECT e.* FROM everything e JOIN complete c USING (from_number, to_number, reference, total)`,
      [
        column((p) => p.fromNumber),
        column((p) => p.toNumber),
        column((p) => p.reference),
        column((p) => p.total),
        column((p) => p.seq),
        column((p) => p.dataCoding),
        column((p) => p.content),
        column((p) => p.receivedAt.toISOString()),
      ],
    )) as PartRecord[];
    return groupParts(rows);
  }

  /**
   * Takes out up to `limit` messages whose first part came more than `timeoutMs` ago and
   * which are still missing parts, with the parts that did come. Run it in the transaction
   * that stores them.
   */
  async takeTimedOut(runner: Queryable, timeoutMs: number, limit: number): Promise<JoinedParts[]> {
    const due = (await runner.query(
      `SELECT DISTINCT from_number, to_number, reference, total FROM inbound_parts
       WHERE received_at < now() - make_interval(secs => $1::double precision / 1000)
       LIMIT $2`,
      [timeoutMs, limit],
    )) as Array<Pick<PartRecord, 'from_number' | 'to_number' | 'reference' | 'total'>>;
    if (due.length === 0) return [];
    await this.lockGroups(
      runner,
      due.map((g) => groupKey(g.from_number, g.to_number, Number(g.reference), Number(g.total))),
    );
    // After the lock: a message completed meanwhile is gone, a part that came meanwhile is taken too.
    const rows = (await runner.query(
      `WITH taken AS (
         DELETE FROM inbound_parts p
         USING unnest($1::text[], $2::text[], $3::integer[], $4::smallint[]) AS g(from_number, to_number, reference, total)
         WHERE (p.from_number, p.to_number, p.reference, p.total) = (g.from_number, g.to_number, g.reference, g.total)
         RETURNING p.*
       )
       SELECT * FROM taken`,
      [due.map((g) => g.from_number), due.map((g) => g.to_number), due.map((g) => g.reference), due.map((g) => g.total)],
    )) as PartRecord[];
    return groupParts(rows);
  }

  /**
   * Stores whole inbound messages in one statement. A message to a number some account owns
   * becomes a `received` record of that account (direction inbound, the number's Application
   * and powerpack, the rate card's inbound price for the number's country), with its first
   * status event and an `sms.inbound` outbox record; the opt-out list of the owner's main
   * account gains or loses the pair. When the Application does not log incoming messages the
   * record keeps no text and a partly redacted sender, and the event carries the text sealed
   * (its key on the record). A message to a number nobody owns is kept in `unassigned_inbound`
   * (numbers and time only). One result per message, in order.
   */
  async store(runner: Queryable, messages: readonly InboundMessageRow[]): Promise<StoredInbound[]> {
    if (messages.length === 0) return [];
    const column = <T>(pick: (m: InboundMessageRow) => T): T[] => messages.map(pick);
    const rows = (await runner.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::text[], $8::smallint[],
                              $9::text[], $10::text[], $11::timestamptz[], $12::text[])
           AS x(message_uuid, from_number, to_number, body, sealed, content_key, encoding, units, intent, opt_action, received_at, message_type)
       ), owned AS (
         SELECT i.*, n.account_id, COALESCE(a.parent_auth_id, a.auth_id) AS root_account_id, n.app_id, n.powerpack_uuid, n.country,
                COALESCE(app.log_incoming_messages, true) AS keep,
                COALESCE(r.rate_per_unit, 0)::numeric(12,5) AS rate
         FROM input i
         JOIN phone_numbers n ON n.number = i.to_number
         JOIN accounts a ON a.auth_id = n.account_id
         LEFT JOIN applications app ON app.app_id = n.app_id
         LEFT JOIN rate_cards r ON r.country = n.country AND r.message_type = i.message_type AND r.direction = 'inbound'
       ), stored AS (
         INSERT INTO messages (message_uuid, account_id, root_account_id, message_time, message_direction, message_state, message_type,
                               from_number, to_number, text, encoding, log_mode, units, total_rate, total_amount, error_code,
                               message_expiry, callback_url, callback_method, sequence, queued_at, updated_at, powerpack_id,
                               destination_country, content_key, message_intent, app_id)
         SELECT message_uuid, account_id, root_account_id, received_at, $13, $14, message_type,
                -- As redactNumber (@sluice/domain) writes it: the last three digits hidden.
                CASE WHEN keep THEN from_number WHEN length(from_number) <= 3 THEN '***' ELSE left(from_number, -3) || '***' END,
                to_number, CASE WHEN keep THEN body END, encoding, CASE WHEN keep THEN 'true' ELSE 'false' END, units,
                rate, round(rate * units, 5), $15, 0, NULL, 'POST', 1, received_at, received_at, powerpack_uuid,
                country, CASE WHEN keep THEN NULL ELSE content_key END, intent, app_id
         FROM owned
       ), history AS (
         INSERT INTO status_events (message_uuid, sequence, state, error_code, occurred_at)
         SELECT message_uuid, 1, $14, $15, received_at FROM owned
       ), opted_out AS (
         INSERT INTO opt_outs (root_account_id, sender, recipient, source)
         SELECT root_account_id, to_number, from_number, 'keyword' FROM owned WHERE opt_action = 'add'
         ON CONFLICT DO NOTHING
       ), opted_in AS (
         DELETE FROM opt_outs o USING owned w
         WHERE w.opt_action = 'remove' AND o.root_account_id = w.root_account_id AND o.sender = w.to_number AND o.recipient = w.from_number
       ), unassigned AS (
         INSERT INTO unassigned_inbound (from_number, to_number, units, received_at)
         SELECT i.from_number, i.to_number, i.units, i.received_at FROM input i
         WHERE NOT EXISTS (SELECT 1 FROM owned o WHERE o.message_uuid = i.message_uuid)
       )
       INSERT INTO outbox (topic, record_key, payload)
       SELECT $16, message_uuid::text,
              jsonb_build_object(
                'messageUuid', message_uuid, 'accountId', account_id, 'appId', app_id, 'from', from_number, 'to', to_number,
                'type', message_type, 'text', CASE WHEN keep THEN body ELSE '' END, 'mediaUrls', '[]'::jsonb, 'units', units,
                'totalRate', rate::text, 'totalAmount', round(rate * units, 5)::numeric(12,5)::text, 'intent', intent,
                'powerpackUuid', powerpack_uuid, 'receivedAt', (extract(epoch from received_at) * 1000)::bigint)
              || CASE WHEN keep THEN '{}'::jsonb ELSE jsonb_build_object('sealedContent', sealed) END
       FROM owned
       RETURNING id, record_key`,
      [
        column((m) => m.messageUuid),
        column((m) => m.fromNumber),
        column((m) => m.toNumber),
        column((m) => m.text),
        column((m) => m.sealedContent),
        column((m) => m.contentKey),
        column((m) => m.encoding),
        column((m) => m.units),
        column((m) => m.intent),
        column((m) => m.optOutAction),
        column((m) => m.receivedAt.toISOString()),
        column((m) => m.messageType),
        MessageDirection.Inbound,
        MessageState.Received,
        MessageErrorCode.Ok,
        Topic.SmsInbound,
      ],
    )) as Array<{ id: string; record_key: string }>;
    const outboxIds = new Map(rows.map((r) => [r.record_key, String(r.id)]));
    return messages.map((m) => ({ messageUuid: m.messageUuid, outboxId: outboxIds.get(m.messageUuid) ?? null }));
  }

  /** One advisory lock per message, taken in one order by every writer so that two batches never wait on each other in a cycle. */
  private async lockGroups(runner: Queryable, keys: readonly string[]): Promise<void> {
    await runner.query(
      `SELECT count(pg_advisory_xact_lock($2, h)) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY h) locks`,
      [keys, INBOUND_PARTS_LOCK_CLASS],
    );
  }
}
