// What this replica has learned of the messages whose status events it consumed: two facts
// that never change once true, so forgetting one costs a read from Postgres and never a
// wrong callback.

/** How many messages are remembered: about a minute and a half of traffic at 1,000 messages a second. */
export const RECORDED_STATUSES_CAPACITY = 100_000;

export interface KnownMessage {
  /** The destination of the message's callback url; null when it has none. A message's url never changes. */
  readonly destination: string | null;
  /** Every status up to this sequence has its record in Postgres (a succeeded attempt or a delivery row); 0 when none is known to. */
  readonly recordedThrough: number;
}

/**
 * A bounded memory of messages by uuid, the oldest learned forgotten first. A message is
 * forgotten as soon as its final status is recorded: it has no later status to report.
 * Events of one message arrive at one replica (they are keyed by message), so its later
 * events find it here; after a rebalance the new owner reads them from Postgres as before.
 */
export class RecordedStatuses {
  private readonly known = new Map<string, KnownMessage>();

  constructor(private readonly capacity = RECORDED_STATUSES_CAPACITY) {}

  get size(): number {
    return this.known.size;
  }

  get(messageUuid: string): KnownMessage | undefined {
    return this.known.get(messageUuid);
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

  /**
   * Every status of the message up to `sequence` now has its record. `final`: that status
   * ends the message, which is then forgotten. A message not remembered stays so.
   */
  recorded(messageUuid: string, sequence: number, final: boolean): void {
    const message = this.known.get(messageUuid);
    if (!message) return;
    if (final) this.known.delete(messageUuid);
    else if (sequence > message.recordedThrough) this.known.set(messageUuid, { ...message, recordedThrough: sequence });
  }
}
