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
/** Rows written more than $1 ms ago. */
const OLDER_THAN = `created_at < now() - make_interval(secs => $1::double precision / 1000)`;

export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Locks those of the given rows still there, in id order, skipping any another publisher holds; in the caller's transaction. */
  async lock(manager: EntityManager, ids: readonly string[]): Promise<OutboxRecord[]> {
    const rows: OutboxRecord[] = await preparedQuery(manager, `SELECT ${COLUMNS} FROM outbox WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED`, [ids]);
    return rows;
  }

  /** Locks up to `limit` rows written more than `minAgeMs` ago, oldest first, skipping any another publisher holds; in the caller's transaction. */
  async lockOlderThan(manager: EntityManager, minAgeMs: number, limit: number): Promise<OutboxRecord[]> {
    const rows: OutboxRecord[] = await preparedQuery(manager, `SELECT ${COLUMNS} FROM outbox WHERE ${OLDER_THAN} ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, [minAgeMs, limit]);
    return rows;
  }

  /** Whether any row was written more than `minAgeMs` ago: one read, no transaction, no lock. */
  async anyOlderThan(minAgeMs: number): Promise<boolean> {
    const rows: Array<{ any: boolean }> = await preparedQuery(this.dataSource, `SELECT EXISTS (SELECT 1 FROM outbox WHERE ${OLDER_THAN}) AS any`, [minAgeMs]);
    return rows[0]?.any === true;
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
