// Geo permissions, monthly spending limits and the counters behind them (shared by every gateway replica).
import type { CountryThreshold, GeoPermissions, HourlyCount, SpendAlertLevel } from '@sluice/domain';
import type { DataSource } from 'typeorm';
import { announceConfigChange } from '../config-changes';

/** An account's own fraud-control settings (not inherited ones). */
export interface AccountControlSettings {
  readonly authId: string;
  readonly parentAuthId: string | null;
  /** Decimal string with five decimals; null: no limit. */
  readonly monthlySpendLimit: string | null;
  /** Null: none of its own (the parent's apply, else the default). */
  readonly geo: GeoPermissions | null;
}

/** A month's spend as decimal strings: the account's own, and its whole family's (itself and its subaccounts, for a main account). */
export interface MonthSpend {
  readonly own: string;
  readonly family: string;
}

/** Slots per account and month: concurrent insert statements usually add to different rows. */
export const SPEND_SLOTS = 16;

export class FraudControlsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async settings(authIds: readonly string[]): Promise<Map<string, AccountControlSettings>> {
    const rows = (await this.dataSource.query(
      `SELECT a.auth_id, a.parent_auth_id, a.monthly_spend_limit::text AS monthly_spend_limit,
              g.allowed_countries::text[] AS allowed_countries, g.thresholds
       FROM accounts a LEFT JOIN geo_permissions g ON g.account_id = a.auth_id
       WHERE a.auth_id = ANY($1::varchar[])`,
      [authIds],
    )) as Array<{
      auth_id: string;
      parent_auth_id: string | null;
      monthly_spend_limit: string | null;
      allowed_countries: string[] | null;
      thresholds: CountryThreshold[] | null;
    }>;
    return new Map(
      rows.map((r) => [
        r.auth_id,
        {
          authId: r.auth_id,
          parentAuthId: r.parent_auth_id,
          monthlySpendLimit: r.monthly_spend_limit,
          geo: r.allowed_countries === null ? null : { allowedCountries: r.allowed_countries, thresholds: r.thresholds ?? [] },
        },
      ]),
    );
  }

  /** Replaces the account's own geo permissions; false when there is no such account. */
  async putGeo(authId: string, geo: GeoPermissions): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `INSERT INTO geo_permissions (account_id, allowed_countries, thresholds, updated_at)
         SELECT auth_id, $2::char(2)[], $3::jsonb, now() FROM accounts WHERE auth_id = $1
         ON CONFLICT (account_id) DO UPDATE SET allowed_countries = EXCLUDED.allowed_countries, thresholds = EXCLUDED.thresholds, updated_at = now()
         RETURNING account_id`,
        [authId, geo.allowedCountries, JSON.stringify(geo.thresholds)],
      )) as unknown[];
      if (rows.length === 0) return false;
      await announceConfigChange(manager, { kind: 'account', authId });
      return true;
    });
  }

  /** Drops the account's own geo permissions (its parent's or the default apply again). */
  async removeGeo(authId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM geo_permissions WHERE account_id = $1`, [authId]);
      await announceConfigChange(manager, { kind: 'account', authId });
    });
  }

  /** Sets (or with null clears) the monthly spending limit; false when there is no such account. */
  async setSpendLimit(authId: string, limit: string | null): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [, affected] = (await manager.query(`UPDATE accounts SET monthly_spend_limit = $2, updated_at = now() WHERE auth_id = $1`, [authId, limit])) as [unknown, number];
      if (affected === 0) return false;
      await announceConfigChange(manager, { kind: 'account', authId });
      return true;
    });
  }

  /** The month's spend of `accountId` and of its whole family (all accounts under `rootAccountId`). */
  async spendOf(rootAccountId: string, accountId: string, month: string): Promise<MonthSpend> {
    const rows = (await this.dataSource.query(
      `SELECT COALESCE(sum(amount) FILTER (WHERE account_id = $2), 0)::numeric(16,5)::text AS own, COALESCE(sum(amount), 0)::numeric(16,5)::text AS family
       FROM monthly_spend WHERE root_account_id = $1 AND month = $3::date`,
      [rootAccountId, accountId, month],
    )) as Array<{ own: string; family: string }>;
    return rows[0] ?? { own: '0.00000', family: '0.00000' };
  }

  /** True for the one caller that records this alert first: an alert is raised once per account, month and level. */
  async claimSpendAlert(accountId: string, month: string, level: SpendAlertLevel): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO spend_alerts (account_id, month, level) VALUES ($1, $2::date, $3) ON CONFLICT DO NOTHING RETURNING level`,
      [accountId, month, level],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Gives a claim back (the alert could not be published), so a later send raises it. */
  async releaseSpendAlert(accountId: string, month: string, level: SpendAlertLevel): Promise<void> {
    await this.dataSource.query(`DELETE FROM spend_alerts WHERE account_id = $1 AND month = $2::date AND level = $3`, [accountId, month, level]);
  }

  /**
   * Adds `messages` to the (account, country) count of the hour window starting at
   * `hourStart`, unless a block holds at `now` (nothing is counted meanwhile); a newer
   * window starts from zero. One row per (account, country), updated atomically, so
   * every replica sees one count.
   */
  async countHourly(accountId: string, country: string, hourStart: number, messages: number, now: number): Promise<HourlyCount> {
    const rows = (await this.dataSource.query(
      `INSERT INTO geo_hourly_counts AS c (account_id, country, hour_start, messages)
       VALUES ($1, $2, $3::timestamptz, $4)
       ON CONFLICT (account_id, country) DO UPDATE SET
         messages = CASE WHEN c.hour_start < EXCLUDED.hour_start THEN 0 ELSE c.messages END
                  + CASE WHEN c.blocked_until > $5::timestamptz THEN 0 ELSE EXCLUDED.messages END,
         hour_start = GREATEST(c.hour_start, EXCLUDED.hour_start)
       RETURNING messages, blocked_until`,
      [accountId, country, new Date(hourStart).toISOString(), messages, new Date(now).toISOString()],
    )) as Array<{ messages: number; blocked_until: Date | null }>;
    const [row] = rows;
    if (!row) throw new Error('the hourly count upsert returned no row');
    const blockedUntil = row.blocked_until ? row.blocked_until.getTime() : 0;
    return { before: blockedUntil > now ? row.messages : row.messages - messages, blockedUntil };
  }

  /** Extends a block of the (account, country) to `until` (epoch ms). */
  async blockCountry(accountId: string, country: string, until: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE geo_hourly_counts SET blocked_until = GREATEST(COALESCE(blocked_until, $3::timestamptz), $3::timestamptz) WHERE account_id = $1 AND country = $2`,
      [accountId, country, new Date(until).toISOString()],
    );
  }
}
