import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the complete Message API needs: a per-account API request rate, powerpacks (sender
 * pools), MMS media per message, the owner tree on message rows with the indexes that
 * keep `limit=20` list pages fast on large tables, and the retention job's progress.
 */
export class Gateway1763900000000 implements MigrationInterface {
  name = 'Gateway1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Requests per second the account may make to the API; null uses the gateway's default.
    await queryRunner.query(`ALTER TABLE accounts ADD COLUMN api_request_rate integer CHECK (api_request_rate > 0)`);

    await queryRunner.query(`
      CREATE TABLE powerpacks (
        powerpack_uuid  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id      varchar(20) NOT NULL REFERENCES accounts(auth_id),
        name            varchar(200) NOT NULL,
        sticky_sender   boolean NOT NULL DEFAULT true,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX powerpacks_account_idx ON powerpacks (account_id)`);
    await queryRunner.query(`ALTER TABLE phone_numbers ADD COLUMN powerpack_uuid uuid REFERENCES powerpacks(powerpack_uuid) ON DELETE SET NULL`);
    await queryRunner.query(`CREATE INDEX phone_numbers_powerpack_idx ON phone_numbers (powerpack_uuid) WHERE powerpack_uuid IS NOT NULL`);

    // root_account_id: the parent for a subaccount's message, else the account itself, so a
    // parent's list ("mine and my subaccounts'") is one index range, not a merge of many.
    await queryRunner.query(`
      ALTER TABLE messages
        ADD COLUMN root_account_id varchar(20),
        ADD COLUMN powerpack_id uuid,
        ADD COLUMN destination_country char(2)`);
    await queryRunner.query(`
      UPDATE messages m SET root_account_id = COALESCE(a.parent_auth_id, a.auth_id)
      FROM accounts a WHERE a.auth_id = m.account_id`);
    await queryRunner.query(`CREATE INDEX messages_root_time_idx ON messages (root_account_id, message_time DESC, message_uuid DESC)`);
    await queryRunner.query(`CREATE INDEX messages_root_state_time_idx ON messages (root_account_id, message_state, message_time DESC)`);
    // Failures are rare, so a partial index answers error_code filters without growing with traffic.
    await queryRunner.query(`CREATE INDEX messages_root_error_time_idx ON messages (root_account_id, error_code, message_time DESC) WHERE error_code <> '000'`);
    // Likewise for the rare values of type and direction (MMS, inbound): a filter on a common
    // value walks the time index and matches at once; a filter on a rare one needs its own.
    await queryRunner.query(`CREATE INDEX messages_root_type_time_idx ON messages (root_account_id, message_type, message_time DESC) WHERE message_type <> 'sms'`);
    await queryRunner.query(`CREATE INDEX messages_root_direction_time_idx ON messages (root_account_id, message_direction, message_time DESC) WHERE message_direction <> 'outbound'`);
    await queryRunner.query(`CREATE INDEX messages_powerpack_time_idx ON messages (powerpack_id, message_time DESC) WHERE powerpack_id IS NOT NULL`);
    // Rows arrive in message_time order: a BRIN index finds the retention job's time ranges for almost no write cost.
    await queryRunner.query(`CREATE INDEX messages_time_brin ON messages USING brin (message_time)`);

    await queryRunner.query(`
      CREATE TABLE message_media (
        message_uuid  uuid NOT NULL REFERENCES messages(message_uuid) ON DELETE CASCADE,
        position      smallint NOT NULL,
        media_id      uuid NOT NULL,
        media_url     text,
        content_type  varchar(100) NOT NULL,
        size          integer NOT NULL CHECK (size >= 0),
        PRIMARY KEY (message_uuid, position)
      )`);

    // How far each retention step has got: each run resumes from there instead of rescanning old ranges.
    await queryRunner.query(`
      CREATE TABLE retention_progress (
        step        varchar(40) PRIMARY KEY,
        done_until  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS retention_progress`);
    await queryRunner.query(`DROP TABLE IF EXISTS message_media`);
    for (const index of ['messages_time_brin', 'messages_powerpack_time_idx', 'messages_root_direction_time_idx', 'messages_root_type_time_idx', 'messages_root_error_time_idx', 'messages_root_state_time_idx', 'messages_root_time_idx']) {
      await queryRunner.query(`DROP INDEX IF EXISTS ${index}`);
    }
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN IF EXISTS destination_country, DROP COLUMN IF EXISTS powerpack_id, DROP COLUMN IF EXISTS root_account_id`);
    await queryRunner.query(`ALTER TABLE phone_numbers DROP COLUMN IF EXISTS powerpack_uuid`);
    await queryRunner.query(`DROP TABLE IF EXISTS powerpacks`);
    await queryRunner.query(`ALTER TABLE accounts DROP COLUMN IF EXISTS api_request_rate`);
  }
}
