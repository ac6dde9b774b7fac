// The status outbox: one row for each statement that records status events, naming them until they are published.
import type { MessageErrorCode, MessageState, SmsStatusPayload } from '@sluice/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { OUTBOX_OLDER_THAN } from './outbox.repository';
import { preparedQuery } from './prepared';

/**
 * A row of `status_outbox`: it names the `sms.status` events of one statement (by message and
 * sequence, as `status_events` keeps them) and is deleted once every one of them is published.
 */
export interface StatusOutboxRow {
  readonly id: string;
  /** How many events the row names. */
  readonly events: number;
}

/**
 * The CTE body that writes the row of a statement's events: `source` is a relation of the
 * statement with `message_uuid` and `sequence` columns. No row when it is empty. One row of
 * keys instead of a row with a payload for each event: about 11.5 µs of CPU less an event
 * (docs/decisions/0016-status-outbox.md). The events' own copies are rebuilt from
 * `status_events` and `messages` only when a crash left the row behind.
 */
export function statusOutboxInsert(source: string): string {
  return `INSERT INTO status_outbox (message_uuids, sequences)
           SELECT array_agg(message_uuid), array_agg(sequence) FROM ${source} HAVING count(*) > 0
           RETURNING id, cardinality(message_uuids) AS events`;
}

/**
 * The events the rows name, as the outbox sweep publishes them: without the fields only the
 * writer's own copy carries (`record`, `accepted`), which their readers look up.
 */
const EVENTS_OF = `SELECT e.message_uuid, m.account_id, e.state, e.error_code, e.sequence, e.occurred_at
                     FROM status_outbox o
                     CROSS JOIN LATERAL unnest(o.message_uuids, o.sequences) AS k(message_uuid, sequence)
                     JOIN status_events e ON e.message_uuid = k.message_uuid AND e.sequence = k.sequence
                     JOIN messages m ON m.message_uuid = k.message_uuid
                    WHERE o.id = ANY($1::bigint[])
                    ORDER BY o.id, e.message_uuid, e.sequence`;

interface EventRow {
  message_uuid: string;
  account_id: string;
  state: MessageState;
  error_code: MessageErrorCode;
  sequence: number;
  occurred_at: Date;
}

export class StatusOutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Locks those of the given rows still there, skipping any another publisher holds; in the caller's transaction. Their ids. */
  async lock(manager: EntityManager, ids: readonly string[]): Promise<string[]> {
    const rows: Array<{ id: string }> = await preparedQuery(manager, `SELECT id FROM status_outbox WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED`, [ids]);
    return rows.map((r) => String(r.id));
  }

  /** Locks up to `limit` rows written more than `minAgeMs` ago, oldest first, skipping any another publisher holds. Their ids. */
  async lockOlderThan(manager: EntityManager, minAgeMs: number, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await preparedQuery(manager, `SELECT id FROM status_outbox WHERE ${OUTBOX_OLDER_THAN} ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, [minAgeMs, limit]);
    return rows.map((r) => String(r.id));
  }

  /** Whether the oldest row was written more than `minAgeMs` ago: one read of the key's first entry (see OutboxRepository.anyOlderThan). */
  async anyOlderThan(minAgeMs: number): Promise<boolean> {
    const rows: Array<{ old: boolean }> = await preparedQuery(this.dataSource, `SELECT ${OUTBOX_OLDER_THAN} AS old FROM status_outbox ORDER BY id LIMIT 1`, [minAgeMs]);
    return rows[0]?.old === true;
  }

  /** The events the rows name, rebuilt from the history (a status event is never changed once written). */
  async eventsOf(ids: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<SmsStatusPayload[]> {
    if (ids.length === 0) return [];
    const rows: EventRow[] = await preparedQuery(manager, EVENTS_OF, [ids]);
    return rows.map((r) => ({
      messageUuid: r.message_uuid,
      accountId: r.account_id,
      state: r.state,
      errorCode: r.error_code,
      sequence: Number(r.sequence),
      occurredAt: new Date(r.occurred_at).getTime(),
      record: null,
      accepted: null,
    }));
  }

  /** Deletes published rows: in the caller's transaction with `manager`, else as a statement of its own. */
  async delete(ids: readonly string[], manager?: EntityManager): Promise<void> {
    if (ids.length === 0) return;
    await preparedQuery(manager ?? this.dataSource, `DELETE FROM status_outbox WHERE id = ANY($1::bigint[])`, [ids]);
  }
}
