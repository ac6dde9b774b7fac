import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Daily caps get codes of their own (480 T-Mobile TPD, 481 a sender number's daily limit):
 * 450 is Plivo's "destination country barred". Every 450 written before this migration was
 * a T-Mobile cap. Messages whose `log` mode does not keep content get the key of their
 * sealed content, erased when they leave the queue.
 */
export class DailyCapCodesAndContentKeys1764290000000 implements MigrationInterface {
  name = 'DailyCapCodesAndContentKeys1764290000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE messages SET error_code = '480' WHERE error_code = '450'`);
    await queryRunner.query(`UPDATE status_events SET error_code = '480' WHERE error_code = '450'`);
    await queryRunner.query(`UPDATE callback_deliveries SET error_code = '480' WHERE error_code = '450'`);
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN content_key bytea`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN IF EXISTS content_key`);
    await queryRunner.query(`UPDATE callback_deliveries SET error_code = '450' WHERE error_code = '480'`);
    await queryRunner.query(`UPDATE status_events SET error_code = '450' WHERE error_code = '480'`);
    await queryRunner.query(`UPDATE messages SET error_code = '450' WHERE error_code = '480'`);
  }
}
