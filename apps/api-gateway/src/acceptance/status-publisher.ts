// Publishes the first status events (queued, or failed at acceptance) of committed batches, coalesced.
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommittedEventPublisher, CommittedEvents, KafkaProducer, TopicProducer } from '@sluice/messaging';
import { StatusOutboxRepository } from '@sluice/persistence';
import { DataSource } from 'typeorm';

/** Status events wait at most this long for company (a queued callback is that much later). */
const COALESCE_MS = 10;

/**
 * The events are already committed in the outbox with their messages; this is the fast
 * path that publishes them right away and deletes their outbox rows (CommittedEventPublisher):
 * under load many batches share one produce request and one DELETE. Its own producer keeps
 * these sends from queueing behind the acceptance hand-offs.
 */
@Injectable()
export class StatusPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly producer: TopicProducer;
  private readonly events: CommittedEventPublisher;

  constructor(kafka: KafkaProducer, dataSource: DataSource) {
    this.producer = kafka.dedicatedProducer();
    this.events = new CommittedEventPublisher(this.producer, new StatusOutboxRepository(dataSource), COALESCE_MS);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.events.idle();
    await this.producer.disconnect();
  }

  publish(committed: CommittedEvents): void {
    void this.events.publish(committed);
  }
}
