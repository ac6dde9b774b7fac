// Turns consumed status events into callback deliveries in Postgres and starts the first attempts
// at once; nothing here waits on a customer.
import { Inject, Injectable } from '@nestjs/common';
import type { SmsStatusPayload } from '@sluice/contracts';
import { isFinal } from '@sluice/domain';
import { CallbackDeliveryRepository, CallbackDeliveryState, CallbackEnqueue, inSendingOrder } from '@sluice/persistence';
import { CALLBACK_CONFIG, CallbackConfig } from './callback.config';
import { CallbackMetrics } from './callback.metrics';
import { CallbackAccounts } from './callback-accounts';
import { AcceptedStatus, acceptedTemplate, ClearCandidate, clearDelivery, firstAppearance, newStatuses, statusKey, takeWithin } from './clear-statuses';
import { DeliveryWorker } from './delivery.worker';
import { destinationOf } from './destination-policy';
import type { Lease } from './lease';
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
  /** The accounts' tokens and retry schedules, for first statuses sent from their events. */
  private readonly accounts = new CallbackAccounts((authIds) => this.deliveries.callbackAccounts(authIds));

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
   *
   * A message is clear while every status of it was leased here in the group's current
   * membership and none waits to be tried again. The next statuses of a clear message, when
   * the batch carries each with its record (the fields a transition sets), are leased
   * without the statement: nothing in Postgres can be pending before them, and their request
   * is the status before's with the event's status and record. A status leased before and
   * still under way here goes first (the worker chains them); if it is to be tried again,
   * those behind it are handed back to the claims, in order, as after the statement.
   *
   * A message's first status goes the same way, without the statement, when the batch has
   * the event its acceptance published right after its commit (with the fields its
   * callbacks need) and no handler can have been given that event before (`fresh`): no
   * record of the message's statuses can exist yet. Its account's token and retry schedule
   * come from `CallbackAccounts`.
   */
  async enqueue(events: readonly SmsStatusPayload[], freshEvents: ReadonlySet<SmsStatusPayload> = new Set()): Promise<number> {
    if (events.length === 0) return 0;
    const epoch = this.known.epoch;
    const latest = new Map<string, SmsStatusPayload>();
    const batch = new Map<string, SmsStatusPayload>();
    for (const event of events) {
      batch.set(statusKey(event.messageUuid, event.sequence), event);
      const seen = latest.get(event.messageUuid);
      if (!seen || event.sequence > seen.sequence) latest.set(event.messageUuid, event);
    }
    const firsts = new Map<string, AcceptedStatus>();
    const unknown: string[] = [];
    for (const messageUuid of latest.keys()) {
      if (this.known.get(messageUuid)) continue;
      const first = firstAppearance(batch, messageUuid, freshEvents);
      if (first) firsts.set(messageUuid, first);
      else unknown.push(messageUuid);
    }
    const [urls, accounts] = await Promise.all([
      unknown.length > 0 ? this.deliveries.callbackUrls(unknown) : new Map<string, string>(),
      this.accounts.get([...firsts.values()].filter((f) => f.accepted.callbackUrl !== null).map((f) => f.accountId)),
    ]);
    const destinations = new Map<string, string | null>();
    const items: CallbackEnqueue[] = [];
    const candidates: ClearCandidate[] = [];
    for (const [messageUuid, { sequence, state }] of latest) {
      const known = this.known.get(messageUuid);
      const first = firsts.get(messageUuid);
      const url = first ? (first.accepted.callbackUrl ?? undefined) : urls.get(messageUuid);
      const destination = known ? known.destination : url === undefined ? null : destinationOf(url);
      if (!known) this.known.learnDestination(messageUuid, destination);
      destinations.set(messageUuid, destination);
      const recordedThrough = known?.recordedThrough ?? 0;
      // Without a url there is nothing to record; a final status ends what is known of the message.
      if (destination === null) this.known.recorded(messageUuid, sequence, isFinal(state));
      else if (first && url !== undefined) {
        const account = accounts.get(first.accountId);
        const statuses = newStatuses(batch, messageUuid, 0, sequence);
        if (account && statuses) {
          const template = acceptedTemplate(first, url, destination, account, this.config.CALLBACK_RETRY_DELAYS_MS);
          candidates.push({ messageUuid, destination, template, events: statuses, first: true });
        } else items.push({ messageUuid, sequence, destination, recordedThrough });
      } else if (sequence > recordedThrough) {
        const clear = this.known.clearNow(messageUuid);
        const fresh = clear ? newStatuses(batch, messageUuid, recordedThrough, sequence) : null;
        if (clear && fresh) candidates.push({ messageUuid, destination, template: clear.template, events: fresh });
        else items.push({ messageUuid, sequence, destination, recordedThrough });
      }
    }
    const { taken, fresh } = await this.worker.lease(
      async (capacity) => {
        // The statuses of clear messages need nothing from Postgres; what does not fit goes to the statement, as any other.
        const clear = takeWithin(candidates, capacity);
        for (const { messageUuid, destination } of clear.left) {
          items.push({ messageUuid, sequence: latest.get(messageUuid)?.sequence ?? 0, destination, recordedThrough: this.known.get(messageUuid)?.recordedThrough ?? 0 });
        }
        const outcome = await this.deliveries.enqueue(items, this.config.CALLBACK_RETRY_DELAYS_MS, clear.capacity);
        const leased = clear.taken.flatMap(({ template, events }) => events.map((event) => clearDelivery(template, event)));
        const firstLeased = clear.taken.reduce((n, candidate) => (candidate.first ? n + candidate.events.length : n), 0);
        this.metrics.firstStatuses.inc(firstLeased);
        this.metrics.clearStatuses.inc(leased.length - firstLeased);
        return {
          created: new Set([...outcome.created, ...leased.map((d) => statusKey(d.messageUuid, d.sequence))]),
          claimed: inSendingOrder([...leased, ...outcome.claimed]),
        };
      },
      (outcome) => outcome.claimed,
      this.worker.leaseDepth(),
      this.config.CALLBACK_FEED_HOLD_MS,
    );
    const { created, claimed } = taken;
    for (const event of events) {
      const outcome = destinations.get(event.messageUuid) === null
        ? 'no_url'
        : created.has(statusKey(event.messageUuid, event.sequence))
          ? 'enqueued'
          : 'already_enqueued';
      this.metrics.events.inc({ outcome });
    }
    // The offsets are committed once every status leased here without a row has one.
    try {
      await this.worker.hold(fresh);
    } catch (error: unknown) {
      // The batch is consumed again, and some of its statuses may have their results written
      // already: their messages go through the statement then, which finds those results.
      for (const { messageUuid } of candidates) this.known.notClear(messageUuid);
      throw error;
    }
    // A message stays clear when every new status of it was leased here and none is to be tried again.
    const leasedHere = new Map<string, Lease[]>();
    for (const lease of fresh) {
      const leases = leasedHere.get(lease.delivery.messageUuid);
      if (leases) leases.push(lease);
      else leasedHere.set(lease.delivery.messageUuid, [lease]);
    }
    for (const messageUuid of new Set([...items, ...candidates].map((item) => item.messageUuid))) {
      const event = latest.get(messageUuid);
      if (!event) continue;
      const leases = leasedHere.get(messageUuid) ?? [];
      const newest = leases.reduce<Lease | null>((last, lease) => (last && last.delivery.sequence > lease.delivery.sequence ? last : lease), null);
      const clear =
        newest !== null &&
        newest.delivery.sequence === event.sequence &&
        leases.every((lease) => lease.ended !== null && lease.ended !== CallbackDeliveryState.Pending);
      this.known.recorded(messageUuid, event.sequence, isFinal(event.state), clear && newest ? { epoch, template: newest.delivery } : undefined);
    }
    return created.size - claimed.length;
  }

  /** Statuses of a partition another replica may have reported meanwhile are read from Postgres again. */
  membershipChanged(): void {
    this.known.newMembership();
  }
}
