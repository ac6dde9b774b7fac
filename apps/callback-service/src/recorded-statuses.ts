// What this replica has learned of the messages whose status events it consumed: two facts
// that never change once true, so forgetting one costs a read from Postgres and never a
// wrong callback; and, while this replica is the only one that reported them, what a later
// status of the message needs to go without Postgres.
import type { ClaimedDelivery } from '@sluice/persistence';

/** How many messages are remembered: about a minute and a half of traffic at 1,000 messages a second. */
export const RECORDED_STATUSES_CAPACITY = 100_000;

/**
 * Every status of the message so far was leased by this replica from the feed, within one
 * membership of its consumer group, and none of them waits to be tried again.
 */
export interface ClearMessage {
  /** The membership it was learned in (`RecordedStatuses.epoch`): a rebalance ends what it tells. */
  readonly epoch: number;
  /** The status leased last: what the message's later statuses share with it (url, method, account, the fields fixed at acceptance). */
  readonly template: ClaimedDelivery;
}

export interface KnownMessage {
  /** The destination of the message's callback url; null when it has none. A message's url never changes. */
  readonly destination: string | null;
  /** Every status up to this sequence has its record in Postgres (a succeeded attempt or a delivery row); 0 when none is known to. */
  readonly recordedThrough: number;
  /** Set while the statuses through `recordedThrough` are clear (ClearMessage). */
  readonly clear?: ClearMessage;
}

/**
 * A bounded memory of messages by uuid, the oldest learned forgotten first. A message is
 * forgotten as soon as its final status is recorded: it has no later status to report.
 * Events of one message arrive at one replica (they are keyed by message), so its later
 * events find it here; after a rebalance the new owner reads them from Postgres as before.
 */
export class RecordedStatuses {
  private readonly known = new Map<string, KnownMessage>();
  private membership = 0;

  constructor(private readonly capacity = RECORDED_STATUSES_CAPACITY) {}

  get size(): number {
    return this.known.size;
  }

  /** The current membership of the consumer group. */
  get epoch(): number {
    return this.membership;
  }

  /**
   * The consumer joined its group again: partitions may have been reported by another
   * replica meanwhile, so nothing learned before tells a message is clear any more.
   */
  newMembership(): void {
    this.membership += 1;
  }

  get(messageUuid: string): KnownMessage | undefined {
    return this.known.get(messageUuid);
  }

  /** The message's clear state, if it was learned in the current membership. */
  clearNow(messageUuid: string): ClearMessage | undefined {
    const clear = this.known.get(messageUuid)?.clear;
    return clear && clear.epoch === this.membership ? clear : undefined;
  }

  /** Remembers the message's callback destination (read from Postgres). */
  learnDestination(messageUuid: string, destination: string | null): void {
    if (this.known.has(messageUuid)) return;
    if (this.known.size >= this.capacity) {
      const oldest = this.known.keys().next();
      if (!oldest.done) this.known.delete(oldest.value);
    }
    this.known.set(messageUuid, { destination, recordedThrough: 0 });
  }

  /** The message is no longer known to be clear (its records stay known). */
  notClear(messageUuid: string): void {
    const message = this.known.get(messageUuid);
    if (message?.clear) this.known.set(messageUuid, { destination: message.destination, recordedThrough: message.recordedThrough });
  }

  /**
   * Every status of the message up to `sequence` now has its record. `final`: that status
   * ends the message, which is then forgotten. `clear`: the statuses through `sequence` are
   * clear (none given: they are not, or not known to be). A message not remembered stays so.
   */
  recorded(messageUuid: string, sequence: number, final: boolean, clear?: ClearMessage): void {
    const message = this.known.get(messageUuid);
    if (!message) return;
    if (final) this.known.delete(messageUuid);
    else if (sequence > message.recordedThrough) {
      this.known.set(messageUuid, { destination: message.destination, recordedThrough: sequence, ...(clear ? { clear } : {}) });
    } else if (!clear) this.notClear(messageUuid);
  }
}
