import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `sms.status` events wait for their publish in a table of their own: one row for each
 * statement that records them, naming them by message and sequence (their `status_events`
 * key), instead of a row with a payload for each event in `outbox`. Rows already in `outbox`
 * are still published from there; `outbox` keeps the other topics' records.
 * docs/decisions/0016-status-outbox.md has the measurements.
 */
export class StatusOutbox1764400000010 implements MigrationInterface {
  name = 'StatusOutbox1764400000010';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE status_outbox (
        id bigserial PRIMARY KEY,
        message_uuids uuid[] NOT NULL,
        sequences integer[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A large statement's keys go out of line as they are: uuids do not compress, and trying costs.
    await queryRunner.query(`ALTER TABLE status_outbox ALTER COLUMN message_uuids SET STORAGE EXTERNAL, ALTER COLUMN sequences SET STORAGE EXTERNAL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE status_outbox`);
  }
}
