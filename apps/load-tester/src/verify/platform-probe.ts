// What Postgres says about the run's messages: the backlog while it runs, every record after the drain.
import type { DataSource } from 'typeorm';

export interface MessageRow {
  readonly uuid: string;
  readonly state: string;
  readonly errorCode: string;
  readonly units: number;
  readonly totalAmount: number;
  readonly messageTime: number;
  readonly sentAt: number | null;
  readonly deliveryReportAt: number | null;
  readonly updatedAt: number;
  readonly hasCallback: boolean;
}

export interface StatusEventRow {
  readonly uuid: string;
  readonly sequence: number;
  readonly state: string;
  readonly occurredAt: number;
}

export const FINAL_STATES: ReadonlySet<string> = new Set(['delivered', 'undelivered', 'failed']);

function ms(value: Date | string): number;
function ms(value: Date | string | null): number | null;
function ms(value: Date | string | null): number | null {
  return value === null ? null : new Date(value).getTime();
}

export class PlatformProbe {
  /** The run's messages: its accounts, from a second before it began. */
  private readonly where = `m.account_id = ANY($1::varchar[]) AND m.message_time >= $2`;

  constructor(
    private readonly dataSource: DataSource,
    private readonly accountIds: readonly string[],
    private readonly since: Date,
  ) {}

  private params(): unknown[] {
    return [this.accountIds, this.since];
  }

  /** Messages per state. */
  async states(): Promise<Record<string, number>> {
    const states: Array<{ state: string; n: string }> = await this.dataSource.query(
      `SELECT m.message_state AS state, count(*) AS n FROM messages m WHERE ${this.where} GROUP BY 1`,
      this.params(),
    );
    return Object.fromEntries(states.map((r) => [r.state, Number(r.n)]));
  }

  /** Messages per state, and callbacks the platform owes (one per status event of a message with a url). */
  async progress(): Promise<{ byState: Record<string, number>; callbacksOwed: number }> {
    const byState = await this.states();
    const owed: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*) AS n FROM status_events e JOIN messages m USING (message_uuid) WHERE ${this.where} AND m.callback_url IS NOT NULL`,
      this.params(),
    );
    return { byState, callbacksOwed: Number(owed[0]?.n ?? 0) };
  }

  async messages(): Promise<MessageRow[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT m.message_uuid, m.message_state, m.error_code, m.units, m.total_amount, m.message_time, m.sent_at,
              m.delivery_report_at, m.updated_at, m.callback_url IS NOT NULL AS has_callback
       FROM messages m WHERE ${this.where}`,
      this.params(),
    );
    return rows.map((r) => ({
      uuid: String(r['message_uuid']),
      state: String(r['message_state']),
      errorCode: String(r['error_code']),
      units: Number(r['units']),
      totalAmount: Number(r['total_amount']),
      messageTime: ms(r['message_time'] as Date),
      sentAt: ms(r['sent_at'] as Date | null),
      deliveryReportAt: ms(r['delivery_report_at'] as Date | null),
      updatedAt: ms(r['updated_at'] as Date),
      hasCallback: Boolean(r['has_callback']),
    }));
  }

  async statusEvents(): Promise<StatusEventRow[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT e.message_uuid, e.sequence, e.state, e.occurred_at
       FROM status_events e JOIN messages m USING (message_uuid) WHERE ${this.where} AND m.callback_url IS NOT NULL`,
      this.params(),
    );
    return rows.map((r) => ({ uuid: String(r['message_uuid']), sequence: Number(r['sequence']), state: String(r['state']), occurredAt: ms(r['occurred_at'] as Date) }));
  }
}
