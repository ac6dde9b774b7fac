// The outbox: Kafka records committed with the rows they describe, kept until they are published.
import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from './prepared';

/** One outbox row as a publisher reads it. */
export interface OutboxRecord {
  readonly id: string;
  readonly topic: string;
  readonly recordKey: string;
  /** The record's value, parsed. */
  readonly payload: unknown;
}

const COLUMNS = `id, topic, record_key AS "recordKey", payload`;
/** Rows written more than $1 ms ago (in either outbox). */
export const OUTBOX_OLDER_THAN = `created_at < now() - make_interval(secs => $1::double precision / 1000)`;

export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Locks those of the given rows still there, in id order, skipping any another publisher holds; in the caller's transaction. */
  async lock(manager: EntityManager, ids: readonly string[]): Promise<OutboxRecord[]> {
    const rows: OutboxRecord[] = await preparedQuery(manager, `SELECT ${COLUMNS} FROM outbox WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED`, [ids]);
    return rows;
  }

  /** Locks up to `limit` rows written more than `minAgeMs` ago, oldest first, skipping any another publisher holds; in the caller's transaction. */
  async lockOlderThan(manager: EntityManager, minAgeMs: number, limit: number): Promise<OutboxRecord[]> {
    const rows: OutboxRecord[] = await preparedQuery(manager, `SELECT ${COLUMNS} FROM outbox WHERE ${OUTBOX_OLDER_THAN} ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, [minAgeMs, limit]);
    return rows;
  }

  /**
   * Whether the oldest row was written more than `minAgeMs` ago: one read of the key's first
   * entry, no transaction, no lock. Ids grow with the inserts, so when the first row is younger
   * every other row is too (a row's `created_at` is its transaction's start, so one written late
   * in a long transaction is found by the next look, when the rows before it have aged). A scan
   * for any old row read every page of the table, dead rows included: about 1 ms a look at
   * 700 messages a second (`pg_stat_statements`), for an answer that is almost always no.
   */
  async anyOlderThan(minAgeMs: number): Promise<boolean> {
    const rows: Array<{ old: boolean }> = await preparedQuery(this.dataSource, `SELECT ${OUTBOX_OLDER_THAN} AS old FROM outbox ORDER BY id LIMIT 1`, [minAgeMs]);
    return rows[0]?.old === true;
  }

  /**
   * Deletes published rows. With `manager`, in the caller's transaction; without, as a
   * statement of its own on the driver's pool, with none of TypeORM's per-query work (a
   * publisher's fast path).
   */
  async delete(ids: readonly string[], manager?: EntityManager): Promise<void> {
    if (ids.length === 0) return;
    const sql = `DELETE FROM outbox WHERE id = ANY($1::bigint[])`;
    await preparedQuery(manager ?? this.dataSource, sql, [ids]);
  }
}
