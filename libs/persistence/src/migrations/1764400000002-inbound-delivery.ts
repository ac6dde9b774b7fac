import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbound messages delivered to an Application's Message URL through the status-callback
 * machinery: a delivery row says which kind it is and carries what the request needs beyond
 * the message record (cleared once the delivery is finished); an attempt records what became
 * of the Message XML the customer answered with. Numbers get Plivo's `alias`.
 */
export class InboundDelivery1764400000002 implements MigrationInterface {
  name = 'InboundDelivery1764400000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE callback_deliveries
        ADD COLUMN kind varchar(8) NOT NULL DEFAULT 'status' CHECK (kind IN ('status', 'inbound')),
        -- From, To, Text, media, intent as the Message URL gets them; the text and From sealed
        -- under the message's content key when the Application does not log incoming messages.
        ADD COLUMN inbound jsonb`);
    await queryRunner.query(`
      ALTER TABLE callback_attempts
        ADD COLUMN reply_message_uuids uuid[],
        ADD COLUMN reply_error text`);
    await queryRunner.query(`ALTER TABLE phone_numbers ADD COLUMN alias varchar(255)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE phone_numbers DROP COLUMN IF EXISTS alias`);
    await queryRunner.query(`ALTER TABLE callback_attempts DROP COLUMN IF EXISTS reply_error, DROP COLUMN IF EXISTS reply_message_uuids`);
    await queryRunner.query(`ALTER TABLE callback_deliveries DROP COLUMN IF EXISTS inbound, DROP COLUMN IF EXISTS kind`);
  }
}
