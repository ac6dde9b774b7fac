// Data-retention queries: redact content and numbers past their windows, delete records past theirs.
import type { QueryRunner } from 'typeorm';

/** Any fixed number: one retention run at a time across all gateway replicas. */
export const RETENTION_LOCK_ID = 7_202_512;

export type RetentionStep = 'content' | 'numbers' | 'records' | 'stranded' | 'unassigned';

/**
 * Every method runs on the given runner (the session holding the retention lock). Time
 * windows are half-open `[from, to)` on `message_time`, which the BRIN index serves.
 */
export class RetentionRepository {
  async tryLock(runner: QueryRunner): Promise<boolean> {
    const [row] = (await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [RETENTION_LOCK_ID])) as Array<{ locked: boolean }>;
    return row?.locked === true;
  }

  async unlock(runner: QueryRunner): Promise<void> {
    await runner.query(`SELECT pg_advisory_unlock($1)`, [RETENTION_LOCK_ID]);
  }

  /** Where the step got to last time; null before its first run. */
  async progress(runner: QueryRunner, step: RetentionStep): Promise<Date | null> {
    const [row] = (await runner.query(`SELECT done_until FROM retention_progress WHERE step = $1`, [step])) as Array<{ done_until: Date }>;
    return row ? new Date(row.done_until) : null;
  }

  async saveProgress(runner: QueryRunner, step: RetentionStep, doneUntil: Date): Promise<void> {
    await runner.query(
      `INSERT INTO retention_progress (step, done_until) VALUES ($1, $2)
       ON CONFLICT (step) DO UPDATE SET done_until = GREATEST(retention_progress.done_until, EXCLUDED.done_until), updated_at = now()`,
      [step, doneUntil],
    );
  }

  /**
   * Drops the text (and the key of any sealed copy) of up to `batch` messages in the window,
   * outbound and inbound alike; returns how many were redacted.
   */
  async redactContent(runner: QueryRunner, from: Date | null, to: Date, batch: number): Promise<number> {
    return count(
      runner,
      `UPDATE messages m SET text = NULL, content_key = NULL
       FROM (SELECT message_uuid FROM messages
             WHERE message_time >= COALESCE($1::timestamptz, '-infinity') AND message_time < $2 AND (text IS NOT NULL OR content_key IS NOT NULL)
             LIMIT $3) b
       WHERE m.message_uuid = b.message_uuid
       RETURNING 1`,
      [from, to, batch],
    );
  }

  /** MMS media URLs are content too. */
  async redactMedia(runner: QueryRunner, from: Date | null, to: Date): Promise<number> {
    return count(
      runner,
      `UPDATE message_media mm SET media_url = NULL
       FROM messages m
       WHERE m.message_uuid = mm.message_uuid AND m.message_type = 'mms'
         AND m.message_time >= COALESCE($1::timestamptz, '-infinity') AND m.message_time < $2 AND mm.media_url IS NOT NULL
       RETURNING 1`,
      [from, to],
    );
  }

  /**
   * `12025550123` → `12025550***`, as `log=false` stores it: the mobile party's number, which is
   * `to_number` of an outbound message and `from_number` of an inbound one.
   */
  async redactNumbers(runner: QueryRunner, from: Date | null, to: Date, batch: number): Promise<number> {
    return count(
      runner,
      `UPDATE messages m SET
         to_number = CASE WHEN m.message_direction = 'inbound' THEN m.to_number ELSE ${redactedSql('m.to_number')} END,
         from_number = CASE WHEN m.message_direction = 'inbound' THEN ${redactedSql('m.from_number')} ELSE m.from_number END
       FROM (SELECT message_uuid FROM messages
             WHERE message_time >= COALESCE($1::timestamptz, '-infinity') AND message_time < $2
               AND CASE WHEN message_direction = 'inbound' THEN from_number ELSE to_number END NOT LIKE '%***'
             LIMIT $3) b
       WHERE m.message_uuid = b.message_uuid
       RETURNING 1`,
      [from, to, batch],
    );
  }

  /** Forgets up to `batch` MO to numbers nobody owned (numbers and time are all they keep) that arrived before `before`. */
  async deleteUnassignedInbound(runner: QueryRunner, from: Date | null, before: Date, batch: number): Promise<number> {
    return count(
      runner,
      `DELETE FROM unassigned_inbound WHERE id IN (
         SELECT id FROM unassigned_inbound WHERE received_at >= COALESCE($1::timestamptz, '-infinity') AND received_at < $2 LIMIT $3)
       RETURNING 1`,
      [from, before, batch],
    );
  }

  /** Messages still `queued` in the window (accepted so long ago that every expiry has passed). */
  async stillQueued(runner: QueryRunner, from: Date | null, to: Date, batch: number): Promise<string[]> {
    const rows = (await runner.query(
      `SELECT message_uuid FROM messages
       WHERE message_time >= COALESCE($1::timestamptz, '-infinity') AND message_time < $2 AND message_state = 'queued'
       LIMIT $3`,
      [from, to, batch],
    )) as Array<{ message_uuid: string }>;
    return rows.map((r) => r.message_uuid);
  }

  /**
   * Deletes up to `batch` records older than `before`, with their history, parts, callbacks
   * and attempts (these have no foreign key to cascade from: see migration
   * 1764400000004) and their media (which cascade).
   */
  async deleteRecords(runner: QueryRunner, from: Date | null, before: Date, batch: number): Promise<number> {
    const [row] = (await runner.query(
      `WITH doomed AS MATERIALIZED (
         SELECT message_uuid FROM messages WHERE message_time >= COALESCE($1::timestamptz, '-infinity') AND message_time < $2 LIMIT $3
       ), ${MESSAGE_CHILDREN.map((table) => `${table}_gone AS (DELETE FROM ${table} WHERE message_uuid IN (SELECT message_uuid FROM doomed))`).join(', ')},
       gone AS (DELETE FROM messages WHERE message_uuid IN (SELECT message_uuid FROM doomed) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [from, before, batch],
    )) as Array<{ n: number }>;
    return row?.n ?? 0;
  }
}

/** The tables with rows per message and no foreign key to cascade their deletion. */
const MESSAGE_CHILDREN = ['status_events', 'message_parts', 'callback_deliveries', 'callback_attempts'] as const;

/** SQL for the partial redaction of a number column (see redactNumber in @sluice/domain). */
function redactedSql(column: string): string {
  return `CASE WHEN length(${column}) <= 3 THEN '***' ELSE left(${column}, -3) || '***' END`;
}

/**
 * Rows an UPDATE or DELETE … RETURNING changed. Wrapped in a SELECT: for those commands
 * TypeORM answers `[rows, rowCount]` rather than the rows.
 */
async function count(runner: QueryRunner, statement: string, parameters: unknown[]): Promise<number> {
  const [row] = (await runner.query(`WITH changed AS (${statement}) SELECT count(*)::int AS n FROM changed`, parameters)) as Array<{ n: number }>;
  return row?.n ?? 0;
}
