// Publishes outbox records: right after the writer's commit, and by a sweep for any a crash left behind.
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Supervisor } from '@sluice/observability';
import { AppliedTransition, OutboxRecord, OutboxRepository, StatusOutboxRepository } from '@sluice/persistence';
import { Topic } from '@sluice/contracts';
import { DataSource } from 'typeorm';
import { Coalescer } from '../coalescer';
import { PeriodicTask } from '../periodic-task';
import { KafkaProducer } from '../kafka/kafka-producer.service';
import { CommittedEventPublisher } from './committed-events';

/**
 * The sweep only covers what the writer's own publish missed (a crash, Kafka away), and leaves
 * records younger than SWEEP_MIN_AGE_MS alone anyway: every 3 s is often enough, and each run
 * is a query and a wake-up of the app and of Postgres.
 */
const SWEEP_INTERVAL_MS = 3_000;
/** Records younger than this are left to the writer that is publishing them now. */
const SWEEP_MIN_AGE_MS = 3_000;
const SWEEP_BATCH = 500;
/** Status outbox rows a sweep takes at once: each names one statement's events (up to a few hundred). */
const SWEEP_STATUS_ROWS = 10;

@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sweeper: PeriodicTask;
  private readonly outbox: OutboxRepository;
  private readonly statusOutbox: StatusOutboxRepository;
  /** Transitions' events, published as their writers have them. */
  private readonly applied: CommittedEventPublisher;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: KafkaProducer,
    supervisor: Supervisor,
  ) {
    this.outbox = new OutboxRepository(dataSource);
    this.statusOutbox = new StatusOutboxRepository(dataSource);
    this.applied = new CommittedEventPublisher(producer, this.statusOutbox, 0);
    this.sweeper = new PeriodicTask('outbox-sweep', SWEEP_INTERVAL_MS, () => this.sweep(), supervisor);
  }

  onApplicationBootstrap(): void {
    this.sweeper.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
    await this.applied.idle();
  }

  /**
   * Publishes the given committed outbox rows and deletes them; a failure leaves them to
   * the sweep. Calls made while a flush is under way are gathered into the next one, so
   * many writers share one Kafka round trip (the idempotent producer sends one request
   * at a time).
   */
  flush(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return this.flushes.add(ids);
  }

  /**
   * Publishes the status events that guarded transitions just committed (none for a
   * transition that did not apply), as the transitions returned them: no read of their rows.
   * Never throws: what it cannot publish now, the sweep publishes, so "transition, then
   * publish" is this one call after the transition.
   */
  async publishApplied(applied: AppliedTransition | null | ReadonlyArray<AppliedTransition | null>): Promise<void> {
    const transitions = applied === null ? [] : 'outbox' in applied ? [applied] : applied.flatMap((a) => (a ? [a] : []));
    await this.applied.publish({ events: transitions.map((t) => t.event), outbox: transitions.map((t) => t.outbox) });
  }

  /** Publishes committed outbox rows by id; never throws (the sweep publishes what this cannot). */
  async publishCommitted(ids: readonly string[]): Promise<void> {
    await this.flush(ids).catch(() => undefined);
  }

  private readonly flushes = new Coalescer<readonly string[], void>(async (batches) => {
    await this.flushNow(batches.flat());
    return batches.map(() => undefined);
  }, 200);

  private async flushNow(ids: readonly string[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const rows = await this.outbox.lock(manager, ids);
      await this.publishRows(rows);
      await this.outbox.delete(rows.map((r) => r.id), manager);
    });
  }

  /** Publishes and deletes the rows of both outboxes older than the writers need; how many rows it took. */
  async sweep(): Promise<number> {
    return (await this.sweepRecords()) + (await this.sweepStatuses());
  }

  private async sweepRecords(): Promise<number> {
    // Almost always empty: one read then, instead of a transaction with a locking read.
    if (!(await this.outbox.anyOlderThan(SWEEP_MIN_AGE_MS))) return 0;
    return this.dataSource.transaction(async (manager) => {
      const rows = await this.outbox.lockOlderThan(manager, SWEEP_MIN_AGE_MS, SWEEP_BATCH);
      await this.publishRows(rows);
      await this.outbox.delete(rows.map((r) => r.id), manager);
      return rows.length;
    });
  }

  /** The status outbox's rows left behind, each naming a statement's events: rebuilt from the history and published. */
  private async sweepStatuses(): Promise<number> {
    if (!(await this.statusOutbox.anyOlderThan(SWEEP_MIN_AGE_MS))) return 0;
    return this.dataSource.transaction(async (manager) => {
      const ids = await this.statusOutbox.lockOlderThan(manager, SWEEP_MIN_AGE_MS, SWEEP_STATUS_ROWS);
      await this.producer.publish(Topic.SmsStatus, await this.statusOutbox.eventsOf(ids, manager));
      await this.statusOutbox.delete(ids, manager);
      return ids.length;
    });
  }

  private async publishRows(rows: readonly OutboxRecord[]): Promise<void> {
    const byTopic = new Map<string, Array<{ key: string; value: string }>>();
    for (const row of rows) {
      const records = byTopic.get(row.topic) ?? [];
      records.push({ key: row.recordKey, value: JSON.stringify(row.payload) });
      byTopic.set(row.topic, records);
    }
    for (const [topic, records] of byTopic) await this.producer.publishRaw(topic, records);
  }
}
