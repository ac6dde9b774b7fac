// Consumes sms.status.v1: each batch becomes rows in Postgres and the offsets are committed,
// so a slow customer endpoint never holds a Kafka partition.
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Topic } from '@sluice/contracts';
import { BatchConsumer, KafkaConsumers } from '@sluice/messaging';
import { CALLBACK_CONFIG, CallbackConfig } from './callback.config';
import { CallbackQueue } from './callback-queue.service';
import { DeliveryWorker } from './delivery.worker';

@Injectable()
export class StatusEventConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: BatchConsumer<typeof Topic.SmsStatus>;

  constructor(@Inject(CALLBACK_CONFIG) config: CallbackConfig, consumers: KafkaConsumers, queue: CallbackQueue, worker: DeliveryWorker) {
    this.consumer = consumers.create({
      groupId: config.KAFKA_GROUP_ID,
      topic: Topic.SmsStatus,
      handle: async (records) => {
        const created = await queue.enqueue(records.map((r) => r.payload));
        if (created > 0) worker.wake();
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}
