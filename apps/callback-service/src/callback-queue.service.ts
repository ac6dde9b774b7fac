// Turns consumed status events into callback deliveries in Postgres and starts the first attempts
// at once; nothing here waits on a customer.
import { Inject, Injectable } from '@nestjs/common';
import type { SmsStatusPayload } from '@sluice/contracts';
import { isFinal } from '@sluice/domain';
import { CallbackDeliveryRepository, CallbackEnqueue } from '@sluice/persistence';
import { CALLBACK_CONFIG, CallbackConfig } from './callback.config';
import { CallbackMetrics } from './callback.metrics';
import { DeliveryWorker } from './delivery.worker';
import { destinationOf } from './destination-policy';
import { RecordedStatuses } from './recorded-statuses';

@Injectable()
export class CallbackQueue {
  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    private readonly deliveries: CallbackDeliveryRepository,
    private readonly metrics: CallbackMetrics,
    private readonly worker: DeliveryWorker,
  ) {}

  /** What this replica knows of recent messages: their destinations and how far their statuses are recorded. */
  private readonly known = new RecordedStatuses();

  /**
   * One statement for the whole batch. Only each message's latest sequence is needed: the
   * repository fills in its earlier statuses from the history, after those known recorded.
   * The statuses free to go now (no earlier one of their message pending, room at their
   * destination) are leased to this replica without a row and attempted straight away; each
   * gets its row with its result (the batch waits for those rows, at most
   * CALLBACK_FEED_HOLD_MS). A status waiting for its predecessor, or beyond the room, gets a
   * row for the claims. Returns how many were created for the claims.
   *
   * Once the batch has its rows, every status up to each message's latest has a record (the
   * enqueue left out only those that had one), and that is remembered: the message's next
   * event reads its new status only, a replayed event reads nothing, and the callback url is
   * read once a message.
   */
  async enqueue(events: readonly SmsStatusPayload[]): Promise<number> {
    if (events.length === 0) return 0;
    const latest = new Map<string, SmsStatusPayload>();
    for (const event of events) {
      const seen = latest.get(event.messageUuid);
      if (!seen || event.sequence > seen.sequence) latest.set(event.messageUuid, event);
    }
    const unknown = [...latest.keys()].filter((messageUuid) => !this.known.get(messageUuid));
    const urls = unknown.length > 0 ? await this.deliveries.callbackUrls(unknown) : new Map<string, string>();
    const destinations = new Map<string, string | null>();
    const items: CallbackEnqueue[] = [];
    for (const [messageUuid, { sequence, state }] of latest) {
      const known = this.known.get(messageUuid);
      const url = urls.get(messageUuid);
      const destination = known ? known.destination : url === undefined ? null : destinationOf(url);
      if (!known) this.known.learnDestination(messageUuid, destination);
      destinations.set(messageUuid, destination);
      const recordedThrough = known?.recordedThrough ?? 0;
      // Without a url there is nothing to record; a final status ends what is known of the message.
      if (destination === null) this.known.recorded(messageUuid, sequence, isFinal(state));
      else if (sequence > recordedThrough) items.push({ messageUuid, sequence, destination, recordedThrough });
    }
    const { taken, fresh } = await this.worker.lease(
      (capacity) => this.deliveries.enqueue(items, this.config.CALLBACK_RETRY_DELAYS_MS, capacity),
      (outcome) => outcome.claimed,
      this.worker.leaseDepth(),
      this.config.CALLBACK_FEED_HOLD_MS,
    );
    const { created, claimed } = taken;
    for (const event of events) {
      const outcome = destinations.get(event.messageUuid) === null
        ? 'no_url'
        : created.has(`${event.messageUuid}:${event.sequence}`)
          ? 'enqueued'
          : 'already_enqueued';
      this.metrics.events.inc({ outcome });
    }
    // The offsets are committed once every status leased here without a row has one.
    await this.worker.hold(fresh);
    for (const item of items) {
      const event = latest.get(item.messageUuid);
      if (event) this.known.recorded(item.messageUuid, item.sequence, isFinal(event.state));
    }
    return created.size - claimed.length;
  }
}
