import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables that get rows for every message, and their foreign keys to `messages`. */
const CHILDREN = ['status_events', 'message_parts', 'callback_deliveries', 'callback_attempts'] as const;

/**
 * Every row of these tables is written by a statement that has just read or written its
 * message, and each foreign key check cost a lookup and a row lock of the message again:
 * about 11 µs a status event and 5–7 µs a callback row, some 8 % of Postgres's CPU per
 * message (docs/benchmarks.md). Retention deletes these rows with their message
 * (`RetentionRepository.deleteRecords`) instead of the cascade. `message_media` (MMS only)
 * keeps its key.
 */
export class DropMessageChildForeignKeys1764400000004 implements MigrationInterface {
  name = 'DropMessageChildForeignKeys1764400000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of CHILDREN) await queryRunner.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table}_message_uuid_fkey`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of CHILDREN) {
      await queryRunner.query(`DELETE FROM ${table} c WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.message_uuid = c.message_uuid)`);
      await queryRunner.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_message_uuid_fkey FOREIGN KEY (message_uuid) REFERENCES messages(message_uuid) ON DELETE CASCADE NOT VALID`,
      );
      await queryRunner.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${table}_message_uuid_fkey`);
    }
  }
}
