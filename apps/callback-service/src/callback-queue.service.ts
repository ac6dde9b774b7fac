// Turns consumed status events into callback deliveries in Postgres and starts the first attempts
// at once; nothing here waits on a customer.
import { Inject, Injectable } from '@nestjs/common';
import type { SmsStatusPayload } from '@sluice/contracts';
import { CallbackDeliveryRepository, CallbackEnqueue } from '@sluice/persistence';
import { CALLBACK_CONFIG, CallbackConfig } from './callback.config';
import { CallbackMetrics } from './callback.metrics';
import { DeliveryWorker } from './delivery.worker';
import { destinationOf } from './destination-policy';

@Injectable()
export class CallbackQueue {
  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    private readonly deliveries: CallbackDeliveryRepository,
    private readonly metrics: CallbackMetrics,
    private readonly worker: DeliveryWorker,
  ) {}

  /**
   * One statement for the whole batch. Only each message's latest sequence is needed: the
   * repository fills in its earlier statuses from the history. The statuses free to go now
   * (no earlier one of their message pending, room at their destination) are leased to this
   * replica without a row and attempted straight away; each gets its row with its result
   * (the batch waits for those rows, at most CALLBACK_FEED_HOLD_MS). A status waiting for
   * its predecessor, or beyond the room, gets a row for the claims. Returns how many were
   * created for the claims.
   */
  async enqueue(events: readonly SmsStatusPayload[]): Promise<number> {
    if (events.length === 0) return 0;
    const latest = new Map<string, number>();
    for (const event of events) latest.set(event.messageUuid, Math.max(latest.get(event.messageUuid) ?? 0, event.sequence));
    const urls = await this.deliveries.callbackUrls([...latest.keys()]);
    const items: CallbackEnqueue[] = [];
    for (const [messageUuid, sequence] of latest) {
      const url = urls.get(messageUuid);
      if (url !== undefined) items.push({ messageUuid, sequence, destination: destinationOf(url) });
    }
    const { taken, fresh } = await this.worker.lease(
      (capacity) => this.deliveries.enqueue(items, this.config.CALLBACK_RETRY_DELAYS_MS, capacity),
      (outcome) => outcome.claimed,
      this.worker.leaseDepth(),
      this.config.CALLBACK_FEED_HOLD_MS,
    );
    const { created, claimed } = taken;
    for (const event of events) {
      const outcome = !urls.has(event.messageUuid)
        ? 'no_url'
        : created.has(`${event.messageUuid}:${event.sequence}`)
          ? 'enqueued'
          : 'already_enqueued';
      this.metrics.events.inc({ outcome });
    }
    // The offsets are committed once every status leased here without a row has one.
    await this.worker.hold(fresh);
    return created.size - claimed.length;
  }
}
