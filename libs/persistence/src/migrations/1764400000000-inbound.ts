import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbound messages: Plivo's messaging Applications (Message URL, method, whether incoming
 * content is logged), numbers assigned to them, the opt-out list that STOP/START keep, and
 * the columns an inbound message record needs.
 */
export class Inbound1764400000000 implements MigrationInterface {
  name = 'Inbound1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE applications (
        app_id                 varchar(20) PRIMARY KEY,
        account_id             varchar(20) NOT NULL REFERENCES accounts (auth_id) ON DELETE CASCADE,
        app_name               varchar(255) NOT NULL,
        message_url            text,
        message_method         varchar(4) NOT NULL DEFAULT 'POST' CHECK (message_method IN ('GET', 'POST')),
        log_incoming_messages  boolean NOT NULL DEFAULT true,
        default_number_app     boolean NOT NULL DEFAULT false,
        -- The voice fields the SDKs also send (answer_url, hangup_url, ...): kept and shown back, not used.
        extra                  jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX applications_account_idx ON applications (account_id, created_at)`);
    await queryRunner.query(`ALTER TABLE phone_numbers ADD COLUMN app_id varchar(20) REFERENCES applications (app_id) ON DELETE SET NULL`);
    await queryRunner.query(`
      CREATE TABLE opt_outs (
        root_account_id  varchar(20) NOT NULL,
        sender           varchar(16) NOT NULL,
        recipient        varchar(20) NOT NULL,
        -- 'keyword' (the recipient texted STOP) or 'admin' (added through the admin API).
        source           varchar(8) NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (root_account_id, sender, recipient)
      )`);
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN message_intent varchar(8), ADD COLUMN app_id varchar(20)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN IF EXISTS app_id, DROP COLUMN IF EXISTS message_intent`);
    await queryRunner.query(`DROP TABLE IF EXISTS opt_outs`);
    await queryRunner.query(`ALTER TABLE phone_numbers DROP COLUMN IF EXISTS app_id`);
    await queryRunner.query(`DROP TABLE IF EXISTS applications`);
  }
}
