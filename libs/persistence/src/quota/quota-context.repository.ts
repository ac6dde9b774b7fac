// Reads what the quota rules need from Postgres, cached briefly so changes apply within seconds.
import { CarrierId, isCarrierId, prefixRouter, type Carrier } from '@sluice/contracts';
import { NumberKind, type SenderNumber } from '@sluice/domain';
import type { DataSource } from 'typeorm';

interface Cached<T> {
  readonly value: T;
  readonly expiresAt: number;
}

export interface AccountQuota {
  readonly smsMps: number;
  readonly mmsMps: number;
  /** The parent of a subaccount, else the account itself: the owner of every number its family sends from. */
  readonly rootAccountId: string;
}

export class QuotaContextRepository {
  private accounts = new Map<string, Cached<Promise<AccountQuota | null>>>();
  private senders = new Map<string, Cached<Promise<SenderNumber | null>>>();
  private router: Cached<(destination: string) => Carrier> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs: number,
  ) {}

  async account(accountId: string): Promise<AccountQuota | null> {
    return this.cached(this.accounts, accountId, async () => {
      const rows: Array<{ sms_mps: string; mms_mps: string; root_account_id: string }> = await this.dataSource.query(
        `SELECT sms_mps, mms_mps, COALESCE(parent_auth_id, auth_id) AS root_account_id FROM accounts WHERE auth_id = $1 AND enabled`,
        [accountId],
      );
      const row = rows[0];
      return row ? { smsMps: Number(row.sms_mps), mmsMps: Number(row.mms_mps), rootAccountId: row.root_account_id } : null;
    });
  }

  /**
   * The sender as registered to the account or to its parent (the gateway accepts no other
   * `src`), with its brand; null when neither has such a number.
   */
  async sender(accountId: string, rootAccountId: string, number: string): Promise<SenderNumber | null> {
    return this.cached(this.senders, `${accountId}:${number}`, async () => {
      const rows: Array<{
        number: string;
        country: 'US' | 'CA';
        number_type: string;
        verified: boolean;
        brand_id: string | null;
        use_case: string | null;
        vetting_score: number | null;
        tmobile_tpd_override: number | null;
      }> = await this.dataSource.query(
        `SELECT n.number, n.country, n.number_type, n.verified, b.brand_id, b.use_case, b.vetting_score, b.tmobile_tpd_override
         FROM phone_numbers n LEFT JOIN brands b ON b.brand_id = n.brand_id
         WHERE n.number = $1 AND n.account_id IN ($2, $3)`,
        [number, accountId, rootAccountId],
      );
      const row = rows[0];
      if (!row) return null;
      return {
        number: row.number,
        country: row.country,
        kind: row.number_type as NumberKind,
        verified: row.verified,
        brand:
          row.brand_id === null
            ? null
            : { id: row.brand_id, useCase: row.use_case ?? '', vettingScore: Number(row.vetting_score), tmobileTpdOverride: row.tmobile_tpd_override },
      };
    });
  }

  async carrierFor(destination: string): Promise<Carrier> {
    if (!this.router || this.router.expiresAt < Date.now()) {
      const rows: Array<{ prefix: string; carrier: string }> = await this.dataSource.query(`SELECT prefix, carrier FROM carrier_prefixes`);
      const table = rows.map((r) => [r.prefix, isCarrierId(r.carrier) ? r.carrier : CarrierId.Unknown] as const);
      this.router = { value: prefixRouter(table), expiresAt: Date.now() + this.ttlMs };
    }
    return this.router.value(destination);
  }

  async dailyUsage(scope: string, pacificDay: string): Promise<number> {
    const rows: Array<{ units: number }> = await this.dataSource.query(`SELECT units FROM daily_usage WHERE scope = $1 AND pacific_day = $2`, [scope, pacificDay]);
    return rows[0]?.units ?? 0;
  }

  /** Adds booked units to the durable daily counts, one statement for a whole batch. */
  async addDailyUsage(bookings: ReadonlyArray<{ scope: string; pacificDay: string; units: number }>): Promise<void> {
    if (bookings.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO daily_usage (scope, pacific_day, units)
       SELECT scope, day::date, sum(units)::int FROM unnest($1::text[], $2::text[], $3::int[]) AS x(scope, day, units) GROUP BY scope, day
       ON CONFLICT (scope, pacific_day) DO UPDATE SET units = daily_usage.units + EXCLUDED.units, updated_at = now()`,
      [bookings.map((b) => b.scope), bookings.map((b) => b.pacificDay), bookings.map((b) => b.units)],
    );
  }

  /** One read per key at a time: concurrent callers share it (a batch of one account's messages asks together). A failed read is not kept. */
  private cached<T>(map: Map<string, Cached<Promise<T>>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.value;
    const value = load();
    map.set(key, { value, expiresAt: Date.now() + this.ttlMs });
    value.catch(() => {
      if (map.get(key)?.value === value) map.delete(key);
    });
    if (map.size > 100_000) map.delete(map.keys().next().value as string);
    return value;
  }
}
