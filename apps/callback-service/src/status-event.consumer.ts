// Consumes sms.status.v1: each batch becomes rows in Postgres and the offsets are committed,
// so a slow customer endpoint never holds a Kafka partition.
import { Inject, Injectable } from '@nestjs/common';
import { Topic } from '@sluice/contracts';
import { KafkaConsumers } from '@sluice/messaging';
import { CALLBACK_CONFIG, CallbackConfig } from './callback.config';
import { CallbackQueue } from './callback-queue.service';
import { DeliveryFeedConsumer } from './delivery-feed.consumer';
import { DeliveryWorker } from './delivery.worker';

@Injectable()
export class StatusEventConsumer extends DeliveryFeedConsumer<typeof Topic.SmsStatus> {
  constructor(@Inject(CALLBACK_CONFIG) config: CallbackConfig, consumers: KafkaConsumers, queue: CallbackQueue, worker: DeliveryWorker) {
    super(consumers, config.KAFKA_GROUP_ID, Topic.SmsStatus, queue, worker);
  }
}
