// Operator alerts as rows: recorded once per alert id, claimed for webhook delivery by any
// callback-service replica when due, and read by the admin API.
import type { OpsAlertKind, OpsAlertPayload } from '@sluice/contracts';
import type { DataSource } from 'typeorm';

export const OpsAlertState = {
  /** Waiting for its first attempt or a retry. */
  Pending: 'pending',
  Delivered: 'delivered',
  /** Retries exhausted, or the webhook address refused. */
  Failed: 'failed',
  /** Recorded while no webhook was configured: counted and logged only. */
  NotConfigured: 'not_configured',
} as const;
export type OpsAlertState = (typeof OpsAlertState)[keyof typeof OpsAlertState];

export interface OpsAlertRecord {
  readonly alertId: string;
  readonly kind: OpsAlertKind;
  readonly accountId: string;
  readonly detectedAt: Date;
  readonly summary: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;
  readonly state: OpsAlertState;
  readonly attempts: number;
  readonly nextAttemptAt: Date | null;
  readonly deliveredAt: Date | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
}

/** What was detected, as the alert tells it. */
export type OpsAlertContent = Pick<OpsAlertRecord, 'alertId' | 'kind' | 'accountId' | 'detectedAt' | 'summary' | 'details'>;

/** A pending alert leased to one replica; its result applies only while `claims` is still the latest. */
export interface ClaimedOpsAlert extends OpsAlertContent {
  /** Attempts made before this claim. */
  readonly attempts: number;
  readonly claims: number;
}

export type OpsAlertNext =
  | { readonly state: typeof OpsAlertState.Pending; readonly delayMs: number }
  | { readonly state: typeof OpsAlertState.Delivered | typeof OpsAlertState.Failed };

export interface OpsAlertAttemptResult {
  readonly alertId: string;
  readonly claims: number;
  /** Null when the attempt succeeded. */
  readonly error: string | null;
  readonly next: OpsAlertNext;
}

export interface OpsAlertFilter {
  readonly accountId?: string | undefined;
  readonly kind?: string | undefined;
  readonly limit: number;
  readonly offset: number;
}

interface OpsAlertRow {
  alert_id: string;
  kind: OpsAlertKind;
  account_id: string;
  detected_at: Date;
  summary: string;
  details: Record<string, string | number | boolean>;
  state: OpsAlertState;
  attempts: number;
  claims: number;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  last_error: string | null;
  created_at: Date;
}

export class OpsAlertRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records alerts; returns the ids of those this call made `pending` or `not_configured`.
   * An alert already recorded is left alone (a replayed event adds nothing), except that a
   * replica with a webhook takes over an alert a replica without one recorded as
   * `not_configured`, so a webhook configured anywhere gets it.
   */
  async record(alerts: readonly OpsAlertPayload[], deliverable: boolean): Promise<Set<string>> {
    const unique = [...new Map(alerts.map((a) => [a.alertId, a])).values()];
    if (unique.length === 0) return new Set();
    const rows: Array<{ alert_id: string }> = await this.dataSource.query(
      `INSERT INTO ops_alerts AS o (alert_id, kind, account_id, detected_at, summary, details, state, next_attempt_at)
       SELECT a.alert_id, a.kind, a.account_id, to_timestamp(a.detected_ms / 1000.0), a.summary, a.details::jsonb, $7::text,
              CASE WHEN $7::text = 'pending' THEN now() END
       FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[])
            AS a(alert_id, kind, account_id, detected_ms, summary, details)
       ON CONFLICT (alert_id) DO UPDATE SET state = 'pending', next_attempt_at = now()
         WHERE o.state = 'not_configured' AND EXCLUDED.state = 'pending'
       RETURNING o.alert_id`,
      [
        unique.map((a) => a.alertId),
        unique.map((a) => a.kind),
        unique.map((a) => a.accountId),
        unique.map((a) => a.detectedAt),
        unique.map((a) => a.summary),
        unique.map((a) => JSON.stringify(a.details ?? {})),
        deliverable ? OpsAlertState.Pending : OpsAlertState.NotConfigured,
      ],
    );
    return new Set(rows.map((r) => r.alert_id));
  }

  /**
   * Leases due alerts, oldest first. `SKIP LOCKED` lets every replica claim at once; the
   * lease (`next_attempt_at` moved past the attempt's end) hands a row back if its claimer dies.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedOpsAlert[]> {
    if (limit <= 0) return [];
    const rows: OpsAlertRow[] = await this.dataSource.query(
      `WITH due AS (
         SELECT alert_id FROM ops_alerts
         WHERE state = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE ops_alerts o
         SET claims = o.claims + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
         FROM due WHERE o.alert_id = due.alert_id
         RETURNING o.*
       )
       -- A SELECT on top: TypeORM answers a top-level UPDATE with [rows, count].
       SELECT * FROM claimed ORDER BY detected_at`,
      [limit, leaseMs],
    );
    return rows.map((r) => ({
      ...alertContent(r),
      attempts: Number(r.attempts),
      claims: Number(r.claims),
    }));
  }

  /** Writes an attempt's result; false when the lease had passed to another claim (the result is dropped). */
  async recordAttempt(result: OpsAlertAttemptResult): Promise<boolean> {
    const { next } = result;
    const rows: Array<{ alert_id: string }> = await this.dataSource.query(
      `WITH updated AS (
         UPDATE ops_alerts
         SET attempts = attempts + 1,
             state = $3::text,
             last_error = $4::text,
             delivered_at = CASE WHEN $3::text = 'delivered' THEN now() ELSE delivered_at END,
             next_attempt_at = CASE WHEN $3::text = 'pending' THEN now() + make_interval(secs => $5::double precision / 1000) END
         WHERE alert_id = $1 AND claims = $2 AND state = 'pending'
         RETURNING alert_id
       )
       SELECT alert_id FROM updated`,
      [result.alertId, result.claims, next.state, result.error, next.state === OpsAlertState.Pending ? next.delayMs : 0],
    );
    return rows.length > 0;
  }

  /** Newest first; an unknown account or kind is simply an empty page. */
  async list(filter: OpsAlertFilter): Promise<{ alerts: OpsAlertRecord[]; total: number }> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    if (filter.accountId !== undefined) {
      parameters.push(filter.accountId);
      conditions.push(`account_id = $${parameters.length}`);
    }
    if (filter.kind !== undefined) {
      parameters.push(filter.kind);
      conditions.push(`kind = $${parameters.length}`);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const [rows, counted] = await Promise.all([
      this.dataSource.query(
        `SELECT * FROM ops_alerts ${where} ORDER BY detected_at DESC, alert_id LIMIT $${parameters.length + 1} OFFSET $${parameters.length + 2}`,
        [...parameters, filter.limit, filter.offset],
      ) as Promise<OpsAlertRow[]>,
      this.dataSource.query(`SELECT count(*)::int AS n FROM ops_alerts ${where}`, parameters) as Promise<Array<{ n: number }>>,
    ]);
    return {
      total: counted[0]?.n ?? 0,
      alerts: rows.map((r) => ({
        ...alertContent(r),
        state: r.state,
        attempts: Number(r.attempts),
        nextAttemptAt: r.next_attempt_at,
        deliveredAt: r.delivered_at,
        lastError: r.last_error,
        createdAt: r.created_at,
      })),
    };
  }
}

function alertContent(r: OpsAlertRow): OpsAlertContent {
  return { alertId: r.alert_id, kind: r.kind, accountId: r.account_id, detectedAt: r.detected_at, summary: r.summary, details: r.details };
}
