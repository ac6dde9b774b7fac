import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Receipts are matched on `message_parts.carrier_message_id`; nothing reads messages by their
 * carrier id, and every transition to `sent` and on wrote an entry of this index. Dropping it
 * takes a moment's lock of `messages` and no scan.
 */
export class DropMessageCarrierIdIndex1764400000003 implements MigrationInterface {
  name = 'DropMessageCarrierIdIndex1764400000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS messages_carrier_id_idx`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS messages_carrier_id_idx ON messages (carrier_message_id) WHERE carrier_message_id IS NOT NULL`);
  }
}
