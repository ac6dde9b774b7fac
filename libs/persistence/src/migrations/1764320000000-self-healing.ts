import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What lets queued messages heal without Redis or Kafka:
 * - `message_expiry_deadline(message_time, message_expiry)`: when a message expires. Adding
 *   whole seconds to a timestamptz does not depend on the time zone, so the function may be
 *   IMMUTABLE (the `+` operator itself is only STABLE) and can be indexed.
 * - a partial index on queued messages by that deadline: the expiry sweep reads only what
 *   has expired, and the schedule reconciler pages through the queue with it; it holds
 *   queued messages only, so it stays as small as the backlog and costs nothing at idle.
 * - `regoverned_at`: when the reconciler last governed a message again, so that one
 *   replica wins and a message is not governed again before the bound has passed.
 * - an index on each root account's sends by time (quota keys belong to the root account),
 *   from which the governor rebuilds a quota window that Redis lost.
 */
export class SelfHealing1764320000000 implements MigrationInterface {
  name = 'SelfHealing1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION message_expiry_deadline(accepted timestamptz, expiry_seconds integer) RETURNS timestamptz
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT accepted + make_interval(secs => expiry_seconds) $$`);
    await queryRunner.query(
      `CREATE INDEX messages_queued_deadline_idx ON messages (message_expiry_deadline(message_time, message_expiry), message_uuid) WHERE message_state = 'queued'`,
    );
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN regoverned_at timestamptz`);
    await queryRunner.query(`CREATE INDEX messages_root_sent_idx ON messages (root_account_id, sent_at) WHERE sent_at IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS messages_root_sent_idx`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN IF EXISTS regoverned_at`);
    await queryRunner.query(`DROP INDEX IF EXISTS messages_queued_deadline_idx`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS message_expiry_deadline(timestamptz, integer)`);
  }
}
