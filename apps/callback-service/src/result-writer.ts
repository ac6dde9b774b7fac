// Writes the results of callback attempts back to Postgres by group commit: one statement per
// batch, results arriving meanwhile wait for the next, and a failed write is retried while the
// batch's leases hold.
import { Logger } from '@nestjs/common';
import { OutboxRelay } from '@sluice/messaging';
import { CallbackDeliveryRepository, DeliveryResult, FreshDeliveryWrite } from '@sluice/persistence';
import type { CallbackConfig } from './callback.config';
import { CallbackMetrics } from './callback.metrics';

const RESULT_BATCH = 500;
/**
 * A write waits this long for more results to join it. Nothing waits on the write at this
 * replica (a message's next status leased here goes as soon as the attempt ends), so the
 * delay costs no callback any time, and at a few hundred callbacks a second it turns one
 * statement (and one commit) per result into one per handful.
 */
const RESULT_LINGER_MS = 20;
/** A failed write of results is tried again after this long, doubling up to the cap. */
const RESULT_WRITE_BACKOFF = { initialMs: 200, maxMs: 2_000 };

/** A result to write: an update of its row, or a row of a delivery leased from the feed, written with its result. */
export type ResultWrite = { readonly update: DeliveryResult } | { readonly fresh: FreshDeliveryWrite };

interface Queued {
  readonly key: string;
  readonly write: ResultWrite;
  readonly done: (written: boolean) => void;
}

export class ResultWriter {
  private readonly logger = new Logger(ResultWriter.name);
  private readonly results: Queued[] = [];
  private writing: Promise<void> | null = null;

  /** `onUnblocked` is called when written results let later statuses of their messages go. */
  constructor(
    private readonly config: Pick<CallbackConfig, 'CALLBACK_LEASE_MS' | 'CALLBACK_TIMEOUT_MS'>,
    private readonly deliveries: CallbackDeliveryRepository,
    private readonly metrics: CallbackMetrics,
    private readonly outbox: OutboxRelay,
    private readonly onUnblocked: () => void,
    /** Called with the keys of each batch once it is written, or given up on. */
    private readonly onWritten: (keys: readonly string[]) => void = () => undefined,
  ) {}

  /** Queues a result under its lease's key; it is written with the next batch. Answers whether it was written (false: given up on). */
  add(key: string, write: ResultWrite): Promise<boolean> {
    return new Promise((done) => {
      this.results.push({ key, write, done });
      this.writeResults();
    });
  }

  /** Resolves once the write under way, if any, has ended. */
  async settled(): Promise<void> {
    await this.writing;
  }

  /** Group commit: one statement per batch of results; results arriving meanwhile (or within the linger) wait for the next. */
  private writeResults(): void {
    if (this.writing) return;
    this.writing = (async () => {
      await sleep(RESULT_LINGER_MS);
      while (this.results.length > 0) {
        const batch = this.results.splice(0, RESULT_BATCH);
        const updates = batch.flatMap((q) => ('update' in q.write ? [q.write.update] : []));
        const fresh = batch.flatMap((q) => ('fresh' in q.write ? [q.write.fresh] : []));
        // Rows leased from the feed have no lease in Postgres yet: they are held to the oldest result's.
        const oldest = Math.min(...updates.map((r) => r.leasedAt.getTime()), ...fresh.map((f) => f.attempt?.attemptedAt.getTime() ?? Date.now()));
        // A finished status lets the next one of its message go.
        const updated = updates.length === 0 ? { written: true, unblocked: false } : await this.writeUpdates(updates, oldest);
        const inserted = fresh.length === 0 || (await this.retrying(oldest, fresh.length, async () => void (await this.deliveries.writeFresh(fresh))));
        this.onWritten(batch.map((q) => q.key));
        for (const q of batch) q.done('update' in q.write ? updated.written : inserted);
        if (updated.unblocked) this.onUnblocked();
      }
    })().finally(() => {
      this.writing = null;
      if (this.results.length > 0) this.writeResults();
    });
  }

  /**
   * True when the results let later statuses go. A write that fails (Postgres restarting) is
   * tried again for as long as the batch's leases surely hold: each lease holds
   * CALLBACK_LEASE_MS from when its row was leased, less CALLBACK_TIMEOUT_MS and a second of
   * margin. Recorded within
   * it, a callback that reached its URL is not sent again.
   */
  private async writeUpdates(batch: DeliveryResult[], oldest: number): Promise<{ written: boolean; unblocked: boolean }> {
    let unblocked = false;
    const written = await this.retrying(oldest, batch.length, async () => {
      const outcome = await this.deliveries.complete(batch);
      if (outcome.applied < batch.length) this.metrics.staleResults.inc(batch.length - outcome.applied);
      // Inbound messages that left `received`: their sms.status events (the outbox sweep covers a failure).
      void this.outbox.publishApplied(outcome.transitions);
      unblocked = outcome.unblocked > 0;
    });
    return { written, unblocked };
  }

  /**
   * Runs `write` until it succeeds (true) or gives up (false). A write that fails (Postgres
   * restarting) is tried again for as long as the batch's leases surely hold: each lease
   * holds CALLBACK_LEASE_MS from when its row was leased (`oldest`), less
   * CALLBACK_TIMEOUT_MS and a second of margin. Recorded within it, a callback that reached
   * its URL is not sent again.
   */
  private async retrying(oldest: number, results: number, write: () => Promise<void>): Promise<boolean> {
    const leaseHoldsUntil = oldest + this.config.CALLBACK_LEASE_MS - this.config.CALLBACK_TIMEOUT_MS - 1_000;
    for (let tries = 1; ; tries += 1) {
      try {
        await write();
        return true;
      } catch (error: unknown) {
        const wait = Math.min(RESULT_WRITE_BACKOFF.maxMs, RESULT_WRITE_BACKOFF.initialMs * 2 ** (tries - 1));
        if (Date.now() + wait > leaseHoldsUntil) {
          // The leases run out (or the feed's batch is consumed again) and these callbacks are attempted again: at least once, never lost.
          this.logger.error({ err: error, results, tries }, 'recording callback results failed; they will be attempted again');
          return false;
        }
        await sleep(wait);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
