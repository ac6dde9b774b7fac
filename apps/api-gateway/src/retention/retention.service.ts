// Enforces Plivo's retention on outbound and inbound messages (content redacted after 7 days, numbers
// after 90, records deleted after 90) and fails messages left queued past every possible expiry.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask } from '@sluice/messaging';
import { MetricsRegistry, Supervisor } from '@sluice/observability';
import { MessageErrorCode, MessageState } from '@sluice/contracts';
import { LONGEST_MESSAGE_EXPIRY_SECONDS } from '@sluice/domain';
import { MessageRepository, RetentionRepository, RetentionStep } from '@sluice/persistence';
import type { QueryRunner } from 'typeorm';
import { DataSource } from 'typeorm';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

const DAY_MS = 24 * 3600 * 1000;

/** Longer than any `message_expiry` plus a margin for the pipeline. */
const STRANDED_AFTER_MS = LONGEST_MESSAGE_EXPIRY_SECONDS * 1_000 + 15 * 60 * 1000;

export interface RetentionRun {
  readonly ran: boolean;
  /** Messages found still queued past every possible expiry and failed with 420. */
  readonly strandedExpired: number;
  readonly contentRedacted: number;
  readonly mediaRedacted: number;
  readonly numbersRedacted: number;
  readonly recordsDeleted: number;
  /** MO to numbers nobody owned, forgotten with the numbers' window. */
  readonly unassignedDeleted: number;
}

/**
 * Runs on every replica, but a Postgres advisory lock lets one at a time do the work.
 * Each step remembers how far it got, so a run only visits the time range that newly
 * crossed its window (the BRIN index on message_time finds it), in batches.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private readonly repository = new RetentionRepository();
  private readonly task: PeriodicTask;
  private readonly affected;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly dataSource: DataSource,
    private readonly messages: MessageRepository,
    metrics: MetricsRegistry,
    supervisor: Supervisor,
  ) {
    this.affected = metrics.counter('gateway_retention_rows_total', 'Rows redacted or deleted by the retention job', ['step']);
    this.task = new PeriodicTask('retention', this.config.RETENTION_INTERVAL_MS, () => this.runOnce(), supervisor);
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass of every step; `now` is injectable for tests. */
  async runOnce(now = new Date()): Promise<RetentionRun> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      if (!(await this.repository.tryLock(runner))) return { ran: false, strandedExpired: 0, contentRedacted: 0, mediaRedacted: 0, numbersRedacted: 0, recordsDeleted: 0, unassignedDeleted: 0 };
      try {
        const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS);
        const { RETENTION_CONTENT_DAYS: contentDays, RETENTION_NUMBER_DAYS: numberDays, RETENTION_RECORD_DAYS: recordDays, RETENTION_BATCH: batch } = this.config;
        // A safety net, not a path: a message still queued after every possible expiry was never handed
        // over (e.g. its record was dropped downstream) and would otherwise stay queued forever.
        const strandedExpired = await this.step(runner, 'stranded', new Date(now.getTime() - STRANDED_AFTER_MS), (from, to) => this.expireStranded(runner, from, to, batch));
        let mediaRedacted = 0;
        const contentRedacted = await this.step(runner, 'content', cutoff(contentDays), async (from, to) => {
          mediaRedacted += await this.repository.redactMedia(runner, from, to);
          return this.drain((n) => this.repository.redactContent(runner, from, to, n), batch);
        });
        // With numbers kept as long as records, deleting the record is what removes the number.
        const numbersRedacted =
          numberDays < recordDays
            ? await this.step(runner, 'numbers', cutoff(numberDays), (from, to) => this.drain((n) => this.repository.redactNumbers(runner, from, to, n), batch))
            : 0;
        const recordsDeleted = await this.step(runner, 'records', cutoff(recordDays), (from, to) =>
          this.drain((n) => this.repository.deleteRecords(runner, from, to, n), batch),
        );
        this.affected.inc({ step: 'stranded' }, strandedExpired);
        this.affected.inc({ step: 'content' }, contentRedacted + mediaRedacted);
        this.affected.inc({ step: 'numbers' }, numbersRedacted);
        const unassignedDeleted = await this.step(runner, 'unassigned', cutoff(Math.min(numberDays, recordDays)), (from, to) =>
          this.drain((n) => this.repository.deleteUnassignedInbound(runner, from, to, n), batch),
        );
        this.affected.inc({ step: 'records' }, recordsDeleted + unassignedDeleted);
        if (strandedExpired > 0) this.logger.warn({ strandedExpired }, 'messages still queued past every expiry were failed with 420');
        if (contentRedacted + mediaRedacted + numbersRedacted + recordsDeleted + unassignedDeleted > 0) {
          this.logger.log({ contentRedacted, mediaRedacted, numbersRedacted, recordsDeleted, unassignedDeleted }, 'retention applied');
        }
        return { ran: true, strandedExpired, contentRedacted, mediaRedacted, numbersRedacted, recordsDeleted, unassignedDeleted };
      } finally {
        await this.repository.unlock(runner);
      }
    } finally {
      await runner.release();
    }
  }

  /** Works through [last progress, cutoff) and records the new progress. */
  private async step(runner: QueryRunner, step: RetentionStep, cutoff: Date, work: (from: Date | null, to: Date) => Promise<number>): Promise<number> {
    const from = await this.repository.progress(runner, step);
    if (from && from >= cutoff) return 0;
    const done = await work(from, cutoff);
    await this.repository.saveProgress(runner, step, cutoff);
    return done;
  }

  /** Guarded transitions (queued → failed 420, uncharged), each with its history and outbox event, as dispatch records expiry. */
  private async expireStranded(runner: QueryRunner, from: Date | null, to: Date, batch: number): Promise<number> {
    let expired = 0;
    for (;;) {
      const uuids = await this.repository.stillQueued(runner, from, to, batch);
      for (const uuid of uuids) {
        if (await this.messages.transition(uuid, MessageState.Failed, MessageErrorCode.Expired, { zeroCharge: true })) expired += 1;
      }
      if (uuids.length < batch) return expired;
    }
  }

  private async drain(batchOnce: (batch: number) => Promise<number>, batch: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await batchOnce(batch);
      total += n;
      if (n < batch) return total;
    }
  }
}
