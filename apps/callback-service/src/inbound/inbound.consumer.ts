// Consumes sms.inbound.v1 in its own consumer group: each batch becomes delivery rows in
// Postgres and the offsets are committed, so the carrier side never waits on a customer.
import { Inject, Injectable } from '@nestjs/common';
import { Topic } from '@sluice/contracts';
import { KafkaConsumers } from '@sluice/messaging';
import { CALLBACK_CONFIG, CallbackConfig } from '../callback.config';
import { DeliveryFeedConsumer } from '../delivery-feed.consumer';
import { DeliveryWorker } from '../delivery.worker';
import { InboundQueue } from './inbound-queue.service';

/** The inbound group of a callback-service whose status group is `group`. */
export function inboundGroupOf(group: string): string {
  return `${group}-inbound`;
}

@Injectable()
export class InboundConsumer extends DeliveryFeedConsumer<typeof Topic.SmsInbound> {
  constructor(@Inject(CALLBACK_CONFIG) config: CallbackConfig, consumers: KafkaConsumers, queue: InboundQueue, worker: DeliveryWorker) {
    super(consumers, inboundGroupOf(config.KAFKA_GROUP_ID), Topic.SmsInbound, queue, worker);
  }
}
