import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE accounts (
        auth_id            varchar(20) PRIMARY KEY CHECK (auth_id ~ '^(MA|SA)[A-Z0-9]{18}$'),
        parent_auth_id     varchar(20) REFERENCES accounts(auth_id),
        name               varchar(200) NOT NULL,
        auth_token_sha256  char(64) NOT NULL,
        sms_mps            numeric(10,3) NOT NULL DEFAULT 5 CHECK (sms_mps > 0),
        mms_mps            numeric(10,3) NOT NULL DEFAULT 0.25 CHECK (mms_mps > 0),
        enabled            boolean NOT NULL DEFAULT true,
        created_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE brands (
        brand_id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id            varchar(20) NOT NULL REFERENCES accounts(auth_id),
        name                  varchar(200) NOT NULL,
        use_case              varchar(40) NOT NULL,
        vetting_score         smallint NOT NULL CHECK (vetting_score BETWEEN 0 AND 100),
        tmobile_tpd_override  integer CHECK (tmobile_tpd_override >= 0),
        created_at            timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE phone_numbers (
        number       varchar(16) PRIMARY KEY,
        account_id   varchar(20) NOT NULL REFERENCES accounts(auth_id),
        country      char(2) NOT NULL CHECK (country IN ('US', 'CA')),
        number_type  varchar(16) NOT NULL CHECK (number_type IN ('long_code', '10dlc', 'toll_free', 'short_code')),
        brand_id     uuid REFERENCES brands(brand_id),
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX phone_numbers_account_idx ON phone_numbers (account_id)`);
    await queryRunner.query(`
      CREATE TABLE messages (
        message_uuid        uuid PRIMARY KEY,
        account_id          varchar(20) NOT NULL REFERENCES accounts(auth_id),
        message_time        timestamptz NOT NULL,
        message_direction   varchar(8) NOT NULL,
        message_state       varchar(12) NOT NULL,
        message_type        varchar(8) NOT NULL,
        from_number         varchar(20) NOT NULL,
        to_number           varchar(20) NOT NULL,
        text                text,
        encoding            varchar(4) NOT NULL,
        log_mode            varchar(12) NOT NULL,
        units               smallint NOT NULL,
        total_rate          numeric(12,5) NOT NULL,
        total_amount        numeric(12,5) NOT NULL,
        error_code          varchar(8) NOT NULL,
        message_expiry      integer NOT NULL,
        callback_url        text,
        callback_method     varchar(4) NOT NULL,
        sequence            integer NOT NULL DEFAULT 1,
        carrier_message_id  varchar(64),
        mcc                 varchar(5),
        mnc                 varchar(5),
        queued_at           timestamptz NOT NULL,
        sent_at             timestamptz,
        delivery_report_at  timestamptz,
        updated_at          timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX messages_account_time_idx ON messages (account_id, message_time DESC)`);
    await queryRunner.query(`CREATE INDEX messages_carrier_id_idx ON messages (carrier_message_id) WHERE carrier_message_id IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE status_events (
        id            bigserial PRIMARY KEY,
        message_uuid  uuid NOT NULL REFERENCES messages(message_uuid) ON DELETE CASCADE,
        sequence      integer NOT NULL,
        state         varchar(12) NOT NULL,
        error_code    varchar(8) NOT NULL,
        occurred_at   timestamptz NOT NULL,
        CONSTRAINT status_events_message_sequence_key UNIQUE (message_uuid, sequence)
      )`);
    await queryRunner.query(`
      CREATE TABLE callback_attempts (
        id            bigserial PRIMARY KEY,
        message_uuid  uuid NOT NULL REFERENCES messages(message_uuid) ON DELETE CASCADE,
        sequence      integer NOT NULL,
        status        varchar(12) NOT NULL,
        method        varchar(4) NOT NULL,
        url           text NOT NULL,
        attempt       smallint NOT NULL,
        attempted_at  timestamptz NOT NULL,
        http_status   smallint,
        latency_ms    integer NOT NULL,
        error         text,
        succeeded     boolean NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX callback_attempts_message_idx ON callback_attempts (message_uuid, sequence)`);
    await queryRunner.query(`
      CREATE TABLE outbox (
        id          bigserial PRIMARY KEY,
        topic       varchar(100) NOT NULL,
        record_key  varchar(100) NOT NULL,
        payload     jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE rate_cards (
        country        char(2) NOT NULL,
        message_type   varchar(8) NOT NULL,
        rate_per_unit  numeric(12,5) NOT NULL CHECK (rate_per_unit >= 0),
        PRIMARY KEY (country, message_type)
      )`);
    // Default prices; operators replace them with their own rate card.
    await queryRunner.query(`
      INSERT INTO rate_cards (country, message_type, rate_per_unit) VALUES
        ('US', 'sms', 0.00500), ('US', 'mms', 0.01500),
        ('CA', 'sms', 0.00450), ('CA', 'mms', 0.01500)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['rate_cards', 'outbox', 'callback_attempts', 'status_events', 'messages', 'phone_numbers', 'brands', 'accounts']) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
