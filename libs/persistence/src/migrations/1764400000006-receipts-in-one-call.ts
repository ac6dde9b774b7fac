import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The receipts of parts of longer messages are recorded by one call instead of a transaction
 * of five statements (each a round trip): `record_part_receipts` keeps the receipts whose part
 * is not recorded yet, takes the advisory locks of the parts' messages in message order,
 * records the receipts and answers each part's message standing. It is VOLATILE, so each of
 * its statements reads with a new snapshot, as the separate statements did: the standing
 * read after the lock includes the receipts of every batch that held the lock before.
 * `receipt_standing` is the one definition of a message's standing, for that call and for
 * `MessagePartRepository.standingOf`.
 */
export class ReceiptsInOneCall1764400000006 implements MigrationInterface {
  name = 'ReceiptsInOneCall1764400000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION receipt_standing(messages uuid[])
      RETURNS TABLE (message_uuid uuid, parts_total int, delivered int, failed_state text, failed_error text)
      LANGUAGE sql STABLE AS $$
        SELECT p.message_uuid, max(p.parts_total)::int,
               (count(*) FILTER (WHERE p.receipt_state = 'delivered'))::int,
               (array_agg(p.receipt_state ORDER BY p.part_seq) FILTER (WHERE p.receipt_state <> 'delivered'))[1]::text,
               (array_agg(p.receipt_error ORDER BY p.part_seq) FILTER (WHERE p.receipt_state <> 'delivered'))[1]::text
          FROM message_parts p
         WHERE p.message_uuid = ANY(messages)
         GROUP BY p.message_uuid
        HAVING count(p.receipt_state) > 0
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION record_part_receipts(ids text[], states text[], errors text[], lock_space int)
      RETURNS TABLE (carrier_message_id text, message_uuid uuid, parts_total int, delivered int, failed_state text, failed_error text)
      LANGUAGE plpgsql VOLATILE AS $$
      #variable_conflict use_column
      DECLARE
        found_messages uuid[];
      BEGIN
        INSERT INTO early_receipts (carrier_message_id, receipt_state, receipt_error)
        SELECT DISTINCT ON (x.c) x.c, x.s, x.e FROM unnest(ids, states, errors) WITH ORDINALITY AS x(c, s, e, n)
         WHERE NOT EXISTS (SELECT 1 FROM message_parts p WHERE p.carrier_message_id = x.c)
         ORDER BY x.c, x.n
        ON CONFLICT DO NOTHING;
        SELECT array_agg(DISTINCT p.message_uuid ORDER BY p.message_uuid) INTO found_messages
          FROM message_parts p WHERE p.carrier_message_id = ANY(ids);
        IF found_messages IS NULL THEN
          RETURN;
        END IF;
        -- In message order, so two calls never wait on each other in a circle.
        PERFORM pg_advisory_xact_lock(lock_space, hashtext(o.m::text))
           FROM (SELECT m FROM unnest(found_messages) AS m ORDER BY m) o;
        UPDATE message_parts p SET receipt_state = COALESCE(p.receipt_state, i.s), receipt_error = COALESCE(p.receipt_error, i.e),
                                   receipt_at = COALESCE(p.receipt_at, now())
          FROM (SELECT DISTINCT ON (x.c) x.c, x.s, x.e FROM unnest(ids, states, errors) WITH ORDINALITY AS x(c, s, e, n) ORDER BY x.c, x.n) i
         WHERE p.carrier_message_id = i.c;
        RETURN QUERY
          SELECT p.carrier_message_id::text, s.message_uuid, s.parts_total, s.delivered, s.failed_state, s.failed_error
            FROM message_parts p JOIN receipt_standing(found_messages) s ON s.message_uuid = p.message_uuid
           WHERE p.carrier_message_id = ANY(ids);
      END
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS record_part_receipts(text[], text[], text[], int)`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS receipt_standing(uuid[])`);
  }
}
