import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `messages.account_id` keeps no foreign key to `accounts` (decision 0009, amendment of
 * 2026-12-06). The key was checked for every message inserted: a look-up of the account and a
 * `FOR KEY SHARE` lock written into the account's row, one WAL record a message, shared by every
 * acceptance statement of that account at once. Accounts are never deleted (the admin API
 * disables them), and every message is written for an account the writer has just read: the
 * gateway's authenticated sender, the owner of the number an inbound message came to. Dropping
 * the key takes a moment's lock of both tables and no scan.
 */
export class DropMessageAccountForeignKey1764400000007 implements MigrationInterface {
  name = 'DropMessageAccountForeignKey1764400000007';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_account_id_fkey`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // NOT VALID: the rows already there are not checked again; new ones are.
    await queryRunner.query(`ALTER TABLE messages ADD CONSTRAINT messages_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(auth_id) NOT VALID`);
  }
}
