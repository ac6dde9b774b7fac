import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery receipts are stored before the carrier is answered, even when they arrive before
 * the part they are for is recorded (`early_receipts`, joined to the part when it is); and
 * messages still `sent` can be found quickly, to settle receipts a crash left unapplied.
 */
export class EarlyReceipts1764200000000 implements MigrationInterface {
  name = 'EarlyReceipts1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE early_receipts (
        carrier_message_id  varchar(64) PRIMARY KEY,
        receipt_state       varchar(12) NOT NULL,
        receipt_error       varchar(8) NOT NULL,
        received_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX messages_sent_idx ON messages (sent_at) WHERE message_state = 'sent'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS messages_sent_idx`);
    await queryRunner.query(`DROP TABLE IF EXISTS early_receipts`);
  }
}
