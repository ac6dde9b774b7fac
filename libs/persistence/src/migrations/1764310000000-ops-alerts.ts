import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operator alerts (unusual traffic, country thresholds, spend limits) as durable rows: the
 * callback-service records each alert once (`alert_id` is the key, so a replayed event adds
 * nothing), delivers it to the operator's webhook with retries, and the admin API reads them.
 */
export class OpsAlerts1764310000000 implements MigrationInterface {
  name = 'OpsAlerts1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ops_alerts (
        alert_id         text PRIMARY KEY CHECK (length(alert_id) BETWEEN 1 AND 200),
        kind             varchar(32) NOT NULL,
        account_id       varchar(20) NOT NULL,
        detected_at      timestamptz NOT NULL,
        summary          text NOT NULL,
        details          jsonb NOT NULL DEFAULT '{}'::jsonb,
        state            varchar(16) NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'not_configured')),
        attempts         smallint NOT NULL DEFAULT 0,
        claims           integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz,
        delivered_at     timestamptz,
        last_error       text,
        created_at       timestamptz NOT NULL DEFAULT now()
      )`);
    // Only pending rows are claimed; the partial index stays as small as the backlog.
    await queryRunner.query(`CREATE INDEX ops_alerts_due_idx ON ops_alerts (next_attempt_at) WHERE state = 'pending'`);
    await queryRunner.query(`CREATE INDEX ops_alerts_account_idx ON ops_alerts (account_id, detected_at DESC)`);
    await queryRunner.query(`CREATE INDEX ops_alerts_detected_idx ON ops_alerts (detected_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS ops_alerts`);
  }
}
