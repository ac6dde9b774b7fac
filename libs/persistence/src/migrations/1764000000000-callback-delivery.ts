import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Status callbacks as durable work: one `callback_deliveries` row per (message, sequence),
 * claimed by any callback-service replica when due; sealed auth tokens for signing and a
 * per-account retry schedule on `accounts`.
 */
export class CallbackDelivery1764000000000 implements MigrationInterface {
  name = 'CallbackDelivery1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE accounts ADD COLUMN auth_token_encrypted text`);
    await queryRunner.query(`
      ALTER TABLE accounts ADD COLUMN callback_retry_delays_ms integer[]
        CONSTRAINT accounts_callback_retry_delays_check CHECK (
          callback_retry_delays_ms IS NULL
          OR (cardinality(callback_retry_delays_ms) <= 10 AND 0 < ALL (callback_retry_delays_ms) AND 86400000 >= ALL (callback_retry_delays_ms)))`);
    await queryRunner.query(`
      CREATE TABLE callback_deliveries (
        id               bigserial PRIMARY KEY,
        message_uuid     uuid NOT NULL REFERENCES messages(message_uuid) ON DELETE CASCADE,
        sequence         integer NOT NULL,
        account_id       varchar(20) NOT NULL,
        status           varchar(12) NOT NULL,
        error_code       varchar(8) NOT NULL,
        occurred_at      timestamptz NOT NULL,
        url              text NOT NULL,
        method           varchar(4) NOT NULL,
        destination      text NOT NULL,
        retry_delays_ms  integer[] NOT NULL,
        state            varchar(10) NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'delivered', 'exhausted', 'refused')),
        attempts         smallint NOT NULL DEFAULT 0,
        claims           integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        finished_at      timestamptz,
        CONSTRAINT callback_deliveries_message_sequence_key UNIQUE (message_uuid, sequence)
      )`);
    // Only pending rows are ever claimed, earlier statuses first; the partial index stays as small as the backlog.
    await queryRunner.query(`CREATE INDEX callback_deliveries_due_idx ON callback_deliveries (next_attempt_at, sequence) WHERE state = 'pending'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS callback_deliveries`);
    await queryRunner.query(`ALTER TABLE accounts DROP COLUMN IF EXISTS callback_retry_delays_ms`);
    await queryRunner.query(`ALTER TABLE accounts DROP COLUMN IF EXISTS auth_token_encrypted`);
  }
}
