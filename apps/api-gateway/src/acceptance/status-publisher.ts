// Publishes the first status events (queued, or failed at acceptance) of committed batches, coalesced.
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SmsStatusPayload, Topic } from '@sluice/contracts';
import { KafkaProducer, TopicProducer } from '@sluice/messaging';
import { OutboxRepository } from '@sluice/persistence';
import { DataSource } from 'typeorm';

/** Status events wait at most this long for company (a queued callback is that much later). */
const COALESCE_MS = 10;

interface Committed {
  readonly outboxIds: readonly string[];
  readonly events: readonly SmsStatusPayload[];
}

/**
 * The events are already committed in the outbox with their messages; this is the fast
 * path that publishes them right away and deletes their outbox rows. Everything that
 * accumulated while one publish was in flight goes out in the next, so under load many
 * batches share one produce request and one DELETE. A failure (or a crash) leaves the
 * rows to the OutboxRelay sweep; a duplicate event is harmless (consumers are idempotent).
 * Its own producer keeps these sends from queueing behind the acceptance hand-offs.
 */
@Injectable()
export class StatusPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StatusPublisher.name);
  private readonly producer: TopicProducer;
  private readonly outbox: OutboxRepository;
  private pending: Committed[] = [];
  private running: Promise<void> | null = null;

  constructor(kafka: KafkaProducer, dataSource: DataSource) {
    this.producer = kafka.dedicatedProducer();
    this.outbox = new OutboxRepository(dataSource);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.running;
    await this.producer.disconnect();
  }

  publish(committed: Committed): void {
    if (committed.events.length === 0) return;
    this.pending.push(committed);
    // A short wait lets the batches committing meanwhile share the produce request and the DELETE.
    this.running ??= new Promise<void>((resolve) => setTimeout(resolve, COALESCE_MS)).then(() => this.drain()).finally(() => (this.running = null));
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      // At most ~2,000 events (~400 KB) per produce request.
      let count = 0;
      let take = 0;
      for (const next of this.pending) {
        if (take > 0 && count + next.events.length > 2_000) break;
        count += next.events.length;
        take += 1;
      }
      const taken = this.pending.splice(0, take);
      const ids = taken.flatMap((c) => c.outboxIds);
      try {
        await this.producer.publish(Topic.SmsStatus, taken.flatMap((c) => c.events));
        await this.outbox.delete(ids);
      } catch (error: unknown) {
        this.logger.warn({ err: error, events: ids.length }, 'status publish failed; the outbox sweep will publish them');
      }
    }
  }
}
