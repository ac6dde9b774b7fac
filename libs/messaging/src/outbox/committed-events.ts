// Publishes the status events of committed transitions from memory and deletes their outbox rows.
import { Logger } from '@nestjs/common';
import { SmsStatusPayload, Topic, TopicPayloads } from '@sluice/contracts';
import type { StatusOutboxRepository, StatusOutboxRow } from '@sluice/persistence';

/** Status events committed together with the changes they report, and the status outbox row of each. */
export interface CommittedEvents {
  readonly events: readonly SmsStatusPayload[];
  /** `outbox[i]` names `events[i]`; one row names every event of its statement. */
  readonly outbox: readonly StatusOutboxRow[];
}

/** What sends them: the shared producer or one of a path's own. */
export interface StatusEventSender {
  publish(topic: typeof Topic.SmsStatus, payloads: ReadonlyArray<TopicPayloads[typeof Topic.SmsStatus]>): Promise<void>;
}

/** At most this many events (~400 KB) per produce request. */
const MAX_EVENTS = 2_000;
/**
 * Published rows wait this long to be deleted together: one DELETE a fifth of a second
 * instead of one per produce. Well inside the outbox sweep's minimum age (3 s), so the sweep
 * does not republish them meanwhile (if it ever does, the duplicate is harmless).
 */
export const OUTBOX_DELETE_LINGER_MS = 200;
/** A DELETE is made at once when this many rows wait for it. */
const MAX_DELETE_IDS = 10_000;
/**
 * A row whose events were not all handed over within this long is forgotten here: the
 * outbox sweep, which takes rows older than 3 s, publishes it (a writer that failed after its
 * commit never hands its events over).
 */
const FORGET_PARTIAL_MS = 30_000;

/**
 * The writer of a transition has its event in hand: it is published as it is, and its
 * outbox row deleted, with no read of the row and no transaction (one produce request for
 * everything committed meanwhile). Batches handed over while a publish is under way (or
 * within `lingerMs`) go together in the next. A row names every event of its statement,
 * whose writers may hand them over apart: it is deleted once all of them are published.
 * The rows of every publish within `deleteLingerMs` share one DELETE, made after the
 * publishes have resolved. A failure, or a crash, leaves the rows to the outbox sweep, which
 * takes only rows older than the writer needs; a duplicate event is harmless (consumers are
 * idempotent).
 */
export class CommittedEventPublisher {
  private readonly logger = new Logger(CommittedEventPublisher.name);
  private pending: Array<{ readonly batch: CommittedEvents; readonly done: () => void }> = [];
  private running: Promise<void> | null = null;
  /** Rows published and not yet deleted. */
  private published: string[] = [];
  /** Rows with some of their events published: how many are left, and since when (insertion order is age order). */
  private readonly partial = new Map<string, { left: number; since: number }>();
  private deleteTimer: NodeJS.Timeout | null = null;
  private deleting: Promise<void> | null = null;

  /** `lingerMs` 0 waits only for the callers of the same tick. */
  constructor(
    private readonly sender: StatusEventSender,
    private readonly outbox: StatusOutboxRepository,
    private readonly lingerMs: number,
    private readonly deleteLingerMs = OUTBOX_DELETE_LINGER_MS,
  ) {}

  /** Resolves once the batch is published (its rows are deleted soon after), or left to the sweep; never rejects. */
  publish(batch: CommittedEvents): Promise<void> {
    if (batch.events.length === 0) return Promise.resolve();
    return new Promise<void>((done) => {
      this.pending.push({ batch, done });
      this.running ??= this.linger()
        .then(() => this.drain())
        .finally(() => (this.running = null));
    });
  }

  /** Resolves when nothing is waiting or being published, and every published row is deleted (or left to the sweep). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
    await this.deletePublished();
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
      const events = taken.flatMap((t) => t.batch.events);
      try {
        await this.sender.publish(Topic.SmsStatus, events);
        this.deleteLater(this.completed(taken.flatMap((t) => t.batch.outbox)));
      } catch (error: unknown) {
        this.logger.warn({ err: error, events: events.length }, 'status publish failed; the outbox sweep will publish them');
      }
      for (const t of taken) t.done();
    }
  }

  /** The rows whose last events are among those just published. */
  private completed(rows: readonly StatusOutboxRow[]): string[] {
    const done: string[] = [];
    const now = Date.now();
    for (const row of rows) {
      const left = (this.partial.get(row.id)?.left ?? row.events) - 1;
      if (left > 0) {
        const entry = this.partial.get(row.id);
        if (entry) entry.left = left;
        else this.partial.set(row.id, { left, since: now });
      } else {
        this.partial.delete(row.id);
        done.push(row.id);
      }
    }
    for (const [id, entry] of this.partial) {
      if (now - entry.since < FORGET_PARTIAL_MS) break;
      this.partial.delete(id);
    }
    return done;
  }

  private deleteLater(ids: readonly string[]): void {
    if (ids.length === 0) return;
    for (const id of ids) this.published.push(id);
    if (this.published.length >= MAX_DELETE_IDS) void this.deletePublished();
    else this.deleteTimer ??= setTimeout(() => void this.deletePublished(), this.deleteLingerMs).unref();
  }

  /** One DELETE for every row published so far, after any under way; never rejects. */
  private async deletePublished(): Promise<void> {
    if (this.deleteTimer) clearTimeout(this.deleteTimer);
    this.deleteTimer = null;
    while (this.deleting) await this.deleting;
    const ids = this.published;
    if (ids.length === 0) return;
    this.published = [];
    this.deleting = this.outbox
      .delete(ids)
      .catch((error: unknown) => this.logger.warn({ err: error, rows: ids.length }, 'outbox delete failed; the outbox sweep will take the rows'))
      .finally(() => (this.deleting = null));
    await this.deleting;
  }
}
