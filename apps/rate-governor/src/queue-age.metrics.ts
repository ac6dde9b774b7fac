// The age of the oldest message still queued, read from Postgres at each scrape: whichever part
// stopped moving messages (a consumer, the schedule, the carrier), this is where it shows.
import { Injectable } from '@nestjs/common';
import { MessageState } from '@sluice/contracts';
import { MetricsRegistry } from '@sluice/observability';
import { DataSource } from 'typeorm';

@Injectable()
export class QueueAgeMetrics {
  constructor(dataSource: DataSource, metrics: MetricsRegistry) {
    // The state is written into the statement, not bound, so the planner can use the partial
    // index of queued messages: the cost follows the backlog, not the table.
    const sql = `SELECT EXTRACT(EPOCH FROM now() - min(message_time)) AS age FROM messages WHERE message_state = '${MessageState.Queued}'`;
    let reading: Promise<number> | null = null;
    const read = async (): Promise<number> => {
      const rows: Array<{ age: string | null }> = await dataSource.query(sql);
      return Math.max(0, Number(rows[0]?.age ?? 0));
    };
    metrics.gauge('oldest_queued_message_age_seconds', 'Seconds since the oldest message still queued was accepted (0 when none is queued)', [], async (gauge) => {
      reading ??= read().finally(() => (reading = null));
      gauge.set(await reading);
    });
  }
}
