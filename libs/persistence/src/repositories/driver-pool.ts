// The pg pool under TypeORM's postgres driver, for statements that need none of TypeORM's per-query work.
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** TypeORM types its driver's pool as `any`; null before the data source is initialised. */
export function driverPool(dataSource: DataSource): Pool | null {
  return (dataSource.driver as unknown as { master?: Pool }).master ?? null;
}
