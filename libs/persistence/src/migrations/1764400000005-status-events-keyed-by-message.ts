import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A message's history is read by message and sequence, and nothing reads `status_events.id`.
 * The column and its index go: every status change then writes one index entry instead of
 * two, and draws no number from a sequence. The unique (message_uuid, sequence) is the row's
 * key, also for logical replication. Dropping a column rewrites nothing, and no index is built.
 */
export class StatusEventsKeyedByMessage1764400000005 implements MigrationInterface {
  name = 'StatusEventsKeyedByMessage1764400000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE status_events DROP COLUMN id`);
    await queryRunner.query(`ALTER TABLE status_events REPLICA IDENTITY USING INDEX status_events_message_sequence_key`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE status_events REPLICA IDENTITY DEFAULT`);
    await queryRunner.query(`ALTER TABLE status_events ADD COLUMN id bigserial PRIMARY KEY`);
  }
}
