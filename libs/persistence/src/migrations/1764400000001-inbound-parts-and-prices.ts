import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The carrier side of inbound messages: parts of concatenated MO kept until the last one
 * arrives (or a timeout), MO for numbers no account owns, a direction on the rate card so
 * inbound messages have a price of their own, and the index the send path uses to find
 * opted-out recipients.
 */
export class InboundPartsAndPrices1764400000001 implements MigrationInterface {
  name = 'InboundPartsAndPrices1764400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per part, raw bytes as the carrier sent them: they are decoded once joined, so an
    // escape or a surrogate pair split between two parts still reads right.
    await queryRunner.query(`
      CREATE TABLE inbound_parts (
        from_number  varchar(20) NOT NULL,
        to_number    varchar(20) NOT NULL,
        reference    integer NOT NULL,
        total        smallint NOT NULL CHECK (total BETWEEN 2 AND 255),
        seq          smallint NOT NULL CHECK (seq BETWEEN 1 AND 255),
        data_coding  smallint NOT NULL,
        content      bytea NOT NULL,
        received_at  timestamptz NOT NULL,
        PRIMARY KEY (from_number, to_number, reference, total, seq)
      )`);
    await queryRunner.query(`CREATE INDEX inbound_parts_received_idx ON inbound_parts (received_at)`);
    await queryRunner.query(`
      CREATE TABLE unassigned_inbound (
        id           bigserial PRIMARY KEY,
        from_number  varchar(20) NOT NULL,
        to_number    varchar(20) NOT NULL,
        units        smallint NOT NULL,
        received_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX unassigned_inbound_received_idx ON unassigned_inbound (received_at)`);

    await queryRunner.query(`ALTER TABLE rate_cards ADD COLUMN direction varchar(8) NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'inbound'))`);
    await queryRunner.query(`ALTER TABLE rate_cards DROP CONSTRAINT rate_cards_pkey, ADD PRIMARY KEY (country, message_type, direction)`);
    // Receiving is free unless the operator prices it.
    await queryRunner.query(`
      INSERT INTO rate_cards (country, message_type, direction, rate_per_unit) VALUES
        ('US', 'sms', 'inbound', 0), ('US', 'mms', 'inbound', 0), ('CA', 'sms', 'inbound', 0), ('CA', 'mms', 'inbound', 0)
      ON CONFLICT DO NOTHING`);

    await queryRunner.query(`CREATE INDEX opt_outs_recipient_idx ON opt_outs (root_account_id, recipient)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS opt_outs_recipient_idx`);
    await queryRunner.query(`DELETE FROM rate_cards WHERE direction = 'inbound'`);
    await queryRunner.query(`ALTER TABLE rate_cards DROP CONSTRAINT rate_cards_pkey, ADD PRIMARY KEY (country, message_type)`);
    await queryRunner.query(`ALTER TABLE rate_cards DROP COLUMN direction`);
    await queryRunner.query(`DROP TABLE IF EXISTS unassigned_inbound`);
    await queryRunner.query(`DROP TABLE IF EXISTS inbound_parts`);
  }
}
