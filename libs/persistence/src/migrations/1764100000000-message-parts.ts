import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each unit of a message is submitted to the carrier as its own part, with its own id and receipt. */
export class MessageParts1764100000000 implements MigrationInterface {
  name = 'MessageParts1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE message_parts (
        message_uuid        uuid NOT NULL REFERENCES messages(message_uuid) ON DELETE CASCADE,
        part_seq            smallint NOT NULL CHECK (part_seq >= 1),
        parts_total         smallint NOT NULL CHECK (parts_total >= part_seq),
        carrier_message_id  varchar(64) NOT NULL UNIQUE,
        submitted_at        timestamptz NOT NULL,
        receipt_state       varchar(12),
        receipt_error       varchar(8),
        receipt_at          timestamptz,
        PRIMARY KEY (message_uuid, part_seq)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS message_parts`);
  }
}
