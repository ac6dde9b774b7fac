import { DEFAULT_CARRIER_PREFIXES } from '@sluice/contracts';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CarrierRoutingAndDailyUsage1763850000000 implements MigrationInterface {
  name = 'CarrierRoutingAndDailyUsage1763850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE carrier_prefixes (
        prefix      varchar(15) PRIMARY KEY CHECK (prefix ~ '^[0-9]+$'),
        carrier     varchar(16) NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `INSERT INTO carrier_prefixes (prefix, carrier) SELECT * FROM unnest($1::text[], $2::text[])`,
      [DEFAULT_CARRIER_PREFIXES.map(([p]) => p), DEFAULT_CARRIER_PREFIXES.map(([, c]) => c)],
    );
    // Toll-free numbers get their throughput only once verified.
    await queryRunner.query(`ALTER TABLE phone_numbers ADD COLUMN verified boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE accounts ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await queryRunner.query(`ALTER TABLE brands ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    // Units counted against daily caps, per scope (a brand's T-Mobile TPD, a number's daily
    // limit) and US Pacific day: the durable copy of the Redis counters.
    await queryRunner.query(`
      CREATE TABLE daily_usage (
        scope        varchar(120) NOT NULL,
        pacific_day  date NOT NULL,
        units        integer NOT NULL CHECK (units >= 0),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, pacific_day)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS daily_usage`);
    await queryRunner.query(`ALTER TABLE brands DROP COLUMN IF EXISTS updated_at`);
    await queryRunner.query(`ALTER TABLE accounts DROP COLUMN IF EXISTS updated_at`);
    await queryRunner.query(`ALTER TABLE phone_numbers DROP COLUMN IF EXISTS verified`);
    await queryRunner.query(`DROP TABLE IF EXISTS carrier_prefixes`);
  }
}
