import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fraud controls. Geo permissions per (sub)account: allowed destination countries and
 * per-country hourly thresholds (no row: the parent's, else US and CA), with the shared
 * hourly counts the gateway keeps when it has no Redis. Monthly spending limits: the
 * limit on the account, the month's spend kept as a counter written with the accepted
 * rows (several slots per account and month, so concurrent inserts do not queue on one
 * row), and the alerts already raised. The counter starts from this month's messages.
 */
export class FraudControls1764300000000 implements MigrationInterface {
  name = 'FraudControls1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE geo_permissions (
        account_id         varchar(20) PRIMARY KEY REFERENCES accounts(auth_id) ON DELETE CASCADE,
        allowed_countries  char(2)[] NOT NULL,
        thresholds         jsonb NOT NULL DEFAULT '[]',
        updated_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE geo_hourly_counts (
        account_id     varchar(20) NOT NULL,
        country        char(2) NOT NULL,
        hour_start     timestamptz NOT NULL,
        messages       integer NOT NULL,
        blocked_until  timestamptz,
        PRIMARY KEY (account_id, country)
      )`);
    await queryRunner.query(`ALTER TABLE accounts ADD COLUMN monthly_spend_limit numeric(14,5) CHECK (monthly_spend_limit >= 0)`);
    await queryRunner.query(`
      CREATE TABLE monthly_spend (
        account_id       varchar(20) NOT NULL,
        month            date NOT NULL,
        slot             smallint NOT NULL,
        root_account_id  varchar(20) NOT NULL,
        amount           numeric(16,5) NOT NULL,
        PRIMARY KEY (account_id, month, slot)
      )`);
    await queryRunner.query(`CREATE INDEX monthly_spend_root_idx ON monthly_spend (root_account_id, month)`);
    await queryRunner.query(`
      CREATE TABLE spend_alerts (
        account_id  varchar(20) NOT NULL,
        month       date NOT NULL,
        level       smallint NOT NULL,
        raised_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, month, level)
      )`);
    await queryRunner.query(`
      INSERT INTO monthly_spend (account_id, month, slot, root_account_id, amount)
      SELECT account_id, date_trunc('month', message_time AT TIME ZONE 'UTC')::date, 0, COALESCE(root_account_id, account_id), sum(total_amount)
      FROM messages
      WHERE message_direction = 'outbound' AND total_amount > 0 AND message_time >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
      GROUP BY 1, 2, 4`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS spend_alerts`);
    await queryRunner.query(`DROP TABLE IF EXISTS monthly_spend`);
    await queryRunner.query(`ALTER TABLE accounts DROP COLUMN IF EXISTS monthly_spend_limit`);
    await queryRunner.query(`DROP TABLE IF EXISTS geo_hourly_counts`);
    await queryRunner.query(`DROP TABLE IF EXISTS geo_permissions`);
  }
}
