import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `record_part_receipts` (migration 1764400000006) runs its statements on generic plans.
 * Inside a PL/pgSQL function each statement is a cached plan like a prepared statement's, and
 * Postgres keeps planning it anew for every call while a plan for the call's own arrays
 * (usually a handful of parts) looks cheaper than the generic plan, which assumes ten rows an
 * `unnest`. Planning the function's five statements cost more than running them: a call took
 * 0.85 ms planned each time and 0.53 ms on the generic plans, which are index probes for any
 * batch size (docs/benchmarks.md, "End to end, 2026-12-07 (evening)").
 */
export class ReceiptFunctionGenericPlans1764400000008 implements MigrationInterface {
  name = 'ReceiptFunctionGenericPlans1764400000008';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER FUNCTION record_part_receipts(text[], text[], text[], int) SET plan_cache_mode = force_generic_plan`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER FUNCTION record_part_receipts(text[], text[], text[], int) RESET plan_cache_mode`);
  }
}
