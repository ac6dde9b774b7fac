// Consumes sms.inbound.v1 in its own consumer group: each batch becomes delivery rows in
// Postgres and the offsets are committed, so the carrier side never waits on a customer.
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Topic } from '@sluice/contracts';
import { BatchConsumer, KafkaConsumers } from '@sluice/messaging';
import { CALLBACK_CONFIG, CallbackConfig } from '../callback.config';
import { DeliveryWorker } from '../delivery.worker';
import { InboundQueue } from './inbound-queue.service';

/** The inbound group of a callback-service whose status group is `group`. */
export function inboundGroupOf(group: string): string {
  return `${group}-inbound`;
}

@Injectable()
export class InboundConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: BatchConsumer<typeof Topic.SmsInbound>;

  constructor(@Inject(CALLBACK_CONFIG) config: CallbackConfig, consumers: KafkaConsumers, queue: InboundQueue, worker: DeliveryWorker) {
    this.consumer = consumers.create({
      groupId: inboundGroupOf(config.KAFKA_GROUP_ID),
      topic: Topic.SmsInbound,
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
