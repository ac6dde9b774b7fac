// Filling a benchmark's scratch database with millions of messages: bulk inserts run without the
// secondary indexes of `messages`, which are built (all, or the ones the benchmark reads) afterwards.
import type { DataSource } from 'typeorm';

export interface BulkLoad {
  readonly rows: number;
  readonly chunk: number;
  /** Inserts the messages numbered `from` to `to` (inclusive, from 1). */
  readonly insert: (from: number, to: number) => Promise<void>;
  /** Which of the dropped indexes to build again; all of them by default. */
  readonly rebuild?: (indexName: string) => boolean;
}

export async function bulkLoadMessages(ds: DataSource, load: BulkLoad): Promise<void> {
  const indexes: Array<{ indexname: string; indexdef: string }> = await ds.query(
    `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'messages' AND indexname <> 'messages_pkey'`,
  );
  for (const { indexname } of indexes) await ds.query(`DROP INDEX ${indexname}`);
  for (let from = 1; from <= load.rows; from += load.chunk) {
    const to = Math.min(load.rows, from + load.chunk - 1);
    await load.insert(from, to);
    process.stderr.write(`loaded ${to.toLocaleString('en-US')} rows\n`);
  }
  for (const { indexname, indexdef } of indexes.filter((i) => load.rebuild?.(i.indexname) ?? true)) {
    await ds.query(indexdef);
    process.stderr.write(`built ${indexname}\n`);
  }
  await ds.query(`ANALYZE messages`);
}
