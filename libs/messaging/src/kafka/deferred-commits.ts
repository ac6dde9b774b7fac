// The offsets a consumer has handled, committed together at most once an interval instead of
// once a batch: each commit is a request the broker pays for (about 0.5 ms of its CPU on two
// cores, docs/benchmarks.md), and a busy consumer handles dozens of batches a second.
import type { TopicPartitionOffsetAndMetadata } from 'kafkajs';

/**
 * Holds the next offset to commit for each partition and commits them all `intervalMs` after
 * the first one arrived (or at once with `flush`). A crash loses at most that interval's
 * commits: Kafka redelivers those records and the handlers, idempotent, skip what they did.
 * A failed commit keeps its offsets for the next one unless newer ones arrived meanwhile.
 */
export class DeferredCommits {
  private readonly pending = new Map<string, TopicPartitionOffsetAndMetadata>();
  private timer: NodeJS.Timeout | null = null;
  private committing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Bumped by `drop`: a failed commit from before it gives nothing back. */
  private epoch = 0;

  constructor(
    private readonly commit: (offsets: TopicPartitionOffsetAndMetadata[]) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Records that everything before `offset` (the next one to read) was handled on its partition. */
  add(offset: TopicPartitionOffsetAndMetadata): void {
    if (this.closed) return;
    const key = `${offset.topic}:${offset.partition}`;
    const held = this.pending.get(key);
    if (held && BigInt(held.offset) >= BigInt(offset.offset)) return;
    this.pending.set(key, offset);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Commits what is held now, after any commit under way; resolves once it has ended (a failure goes to `onError`). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.committing = this.committing.then(() => this.commitHeld());
    return this.committing;
  }

  /**
   * Forgets what is held: the member joined its group again, and a partition it held may be
   * another member's now, whose commits an old offset must not overwrite. Kafka redelivers
   * those records.
   */
  drop(): void {
    this.epoch += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }

  /** Drops what is held and takes nothing more (the consumer is being replaced). */
  close(): void {
    this.closed = true;
    this.drop();
  }

  /** Offsets held and not yet committed. */
  get size(): number {
    return this.pending.size;
  }

  private async commitHeld(): Promise<void> {
    if (this.pending.size === 0 || this.closed) return;
    const offsets = [...this.pending.values()];
    const epoch = this.epoch;
    this.pending.clear();
    try {
      await this.commit(offsets);
    } catch (error: unknown) {
      // Kept for the next commit, unless a later offset of the partition is held by now or they were dropped meanwhile.
      if (epoch === this.epoch) for (const offset of offsets) this.add(offset);
      this.onError(error);
    }
  }
}
