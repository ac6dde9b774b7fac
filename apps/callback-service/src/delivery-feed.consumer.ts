// A consumer whose batches become delivery rows in Postgres: the offsets are committed once the
// rows are written, so a slow customer endpoint never holds a Kafka partition. Batches of
// partitions consumed at the same time share one write.
import { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Topic, TopicPayloads } from '@sluice/contracts';
import { BatchConsumer, ConsumedRecord, KafkaConsumers, MergedWrites } from '@sluice/messaging';
import { DeliveryWorker } from './delivery.worker';

export interface DeliveryQueue<T extends Topic> {
  /**
   * Writes the deliveries the payloads call for; answers how many were created. `fresh`: the
   * payloads no handler can have been given before (ConsumedRecord.fresh).
   */
  enqueue(payloads: ReadonlyArray<TopicPayloads[T]>, fresh: ReadonlySet<TopicPayloads[T]>): Promise<number>;
  /** The consumer joined its group again: the partitions it holds may have been read by another replica. */
  membershipChanged?(): void;
}

export abstract class DeliveryFeedConsumer<T extends Topic> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: BatchConsumer<T>;
  /** The batches handed over while a write is under way go together in the next one. */
  private readonly writes: MergedWrites<ConsumedRecord<T>>;

  /** Reads `topic` in `groupId` into `queue`, waking `worker` whenever a batch created deliveries. */
  protected constructor(consumers: KafkaConsumers, groupId: string, topic: T, queue: DeliveryQueue<T>, worker: DeliveryWorker) {
    this.writes = new MergedWrites(async (records) => {
      const payloads = records.map((r) => r.payload);
      const fresh = new Set(records.filter((r) => r.fresh).map((r) => r.payload));
      if ((await queue.enqueue(payloads, fresh)) > 0) worker.wake();
    });
    this.consumer = consumers.create({
      groupId,
      topic,
      handle: (records) => this.writes.add(records),
      onJoin: () => queue.membershipChanged?.(),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}
