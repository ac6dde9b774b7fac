// Publishes the status events of committed transitions from memory and deletes their outbox rows.
import { Logger } from '@nestjs/common';
import { SmsStatusPayload, Topic, TopicPayloads } from '@sluice/contracts';
import type { OutboxRepository } from '@sluice/persistence';

/** Status events committed in the outbox together with the changes they report. */
export interface CommittedEvents {
  readonly outboxIds: readonly string[];
  readonly events: readonly SmsStatusPayload[];
}

/** What sends them: the shared producer or one of a path's own. */
export interface StatusEventSender {
  publish(topic: typeof Topic.SmsStatus, payloads: ReadonlyArray<TopicPayloads[typeof Topic.SmsStatus]>): Promise<void>;
}

/** At most this many events (~400 KB) per produce request. */
const MAX_EVENTS = 2_000;

/**
 * The writer of a transition has its event in hand: it is published as it is, and its
 * outbox row deleted, with no read of the row and no transaction (one produce request and
 * one DELETE for everything committed meanwhile). Batches handed over while a publish is
 * under way (or within `lingerMs`) go together in the next. A failure, or a crash, leaves
 * the rows to the outbox sweep, which takes only rows older than the writer needs; a
 * duplicate event is harmless (consumers are idempotent).
 */
export class CommittedEventPublisher {
  private readonly logger = new Logger(CommittedEventPublisher.name);
  private pending: Array<{ readonly batch: CommittedEvents; readonly done: () => void }> = [];
  private running: Promise<void> | null = null;

  /** `lingerMs` 0 waits only for the callers of the same tick. */
  constructor(
    private readonly sender: StatusEventSender,
    private readonly outbox: OutboxRepository,
    private readonly lingerMs: number,
  ) {}

  /** Resolves once the batch is published and its rows deleted, or left to the sweep; never rejects. */
  publish(batch: CommittedEvents): Promise<void> {
    if (batch.events.length === 0) return Promise.resolve();
    return new Promise<void>((done) => {
      this.pending.push({ batch, done });
      this.running ??= this.linger()
        .then(() => this.drain())
        .finally(() => (this.running = null));
    });
  }

  /** Resolves when nothing is waiting or being published. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private linger(): Promise<void> {
    return new Promise((resolve) => (this.lingerMs > 0 ? setTimeout(resolve, this.lingerMs) : setImmediate(resolve)));
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      let count = 0;
      let take = 0;
      for (const next of this.pending) {
        if (take > 0 && count + next.batch.events.length > MAX_EVENTS) break;
        count += next.batch.events.length;
        take += 1;
      }
      const taken = this.pending.splice(0, take);
      const ids = taken.flatMap((t) => t.batch.outboxIds);
      try {
        await this.sender.publish(Topic.SmsStatus, taken.flatMap((t) => t.batch.events));
        await this.outbox.delete(ids);
      } catch (error: unknown) {
        this.logger.warn({ err: error, events: ids.length }, 'status publish failed; the outbox sweep will publish them');
      }
      for (const t of taken) t.done();
    }
  }
}
