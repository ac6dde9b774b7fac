// Postgres's record of the queue: what the governor rebuilds the schedule from when Redis lost its state.
import type { DataSource } from 'typeorm';

/** A queued message, as the reconciler pages through the queue (by expiry deadline, then uuid). */
export interface QueuedMessage {
  readonly messageUuid: string;
  readonly accountId: string;
  /** Epoch ms of acceptance. */
  readonly acceptedAt: number;
  /** Keyset position: the deadline as Postgres text (exact to the microsecond) and the uuid. */
  readonly position: QueuePosition;
}

export interface QueuePosition {
  readonly deadline: string;
  readonly messageUuid: string;
}

/** A message taken for governing again by this replica. */
export interface RegovernClaim {
  readonly messageUuid: string;
  readonly accountId: string;
  readonly acceptedAt: number;
  /** Epoch ms of the claim: the record's `regoverned` value. */
  readonly regovernedAt: number;
}

export class ReconcileRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Up to `limit` messages after `after` that have been queued longer than `boundMs` and
   * were not governed again within it, in the order of the partial index on queued messages.
   */
  async queuedAfter(after: QueuePosition | null, boundMs: number, limit: number): Promise<QueuedMessage[]> {
    const rows: Array<{ message_uuid: string; account_id: string; accepted_ms: string; deadline: string }> = await this.dataSource.query(
      `SELECT message_uuid, account_id, (extract(epoch from message_time) * 1000)::bigint AS accepted_ms,
              message_expiry_deadline(message_time, message_expiry)::text AS deadline
         FROM messages
        WHERE message_state = 'queued'
          AND (message_expiry_deadline(message_time, message_expiry), message_uuid) > ($1::timestamptz, $2::uuid)
          AND message_time < now() - make_interval(secs => $3::double precision / 1000)
          AND (regoverned_at IS NULL OR regoverned_at < now() - make_interval(secs => $3::double precision / 1000))
        ORDER BY message_expiry_deadline(message_time, message_expiry), message_uuid
        LIMIT $4`,
      [after?.deadline ?? '-infinity', after?.messageUuid ?? '00000000-0000-0000-0000-000000000000', boundMs, limit],
    );
    return rows.map((r) => ({
      messageUuid: r.message_uuid,
      accountId: r.account_id,
      acceptedAt: Number(r.accepted_ms),
      position: { deadline: r.deadline, messageUuid: r.message_uuid },
    }));
  }

  /**
   * Marks messages as governed again and returns those this call won: still queued, and
   * not governed again within `boundMs` (by this replica or another). Two replicas racing
   * for one message serialise on its row, and the second finds the mark already set.
   */
  async claim(messageUuids: readonly string[], boundMs: number): Promise<RegovernClaim[]> {
    if (messageUuids.length === 0) return [];
    const rows: Array<{ message_uuid: string; account_id: string; accepted_ms: string; regoverned_ms: string }> = await this.dataSource.query(
      `WITH claimed AS (
         UPDATE messages SET regoverned_at = clock_timestamp()
          WHERE message_uuid = ANY($1::uuid[]) AND message_state = 'queued'
            AND (regoverned_at IS NULL OR regoverned_at < now() - make_interval(secs => $2::double precision / 1000))
          RETURNING message_uuid, account_id, message_time, regoverned_at
       )
       SELECT message_uuid, account_id, (extract(epoch from message_time) * 1000)::bigint AS accepted_ms,
              (extract(epoch from regoverned_at) * 1000)::bigint AS regoverned_ms
         FROM claimed`,
      [messageUuids, boundMs],
    );
    return rows.map((r) => ({ messageUuid: r.message_uuid, accountId: r.account_id, acceptedAt: Number(r.accepted_ms), regovernedAt: Number(r.regoverned_ms) }));
  }
}
