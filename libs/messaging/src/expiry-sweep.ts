// Fails with 420 whatever is still queued past its message_expiry, with Postgres alone.
import { FactoryProvider, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MetricsRegistry, Supervisor } from '@sluice/observability';
import { MessageRepository } from '@sluice/persistence';
import { OutboxRelay } from './outbox/outbox-relay.service';
import { PeriodicTask } from './periodic-task';

export interface ExpirySweepOptions {
  /** How often the sweep runs; 0 never. */
  readonly intervalMs: number;
  /** How long past its expiry a message is left to a dispatcher that may be submitting it. */
  readonly graceMs: number;
}

/** Messages failed per statement; a run repeats until a statement finds fewer. */
const BATCH = 500;
/** A run stops after this many statements and leaves the rest to the next one. */
const MAX_BATCHES_PER_RUN = 20;

/**
 * Expiry otherwise happens where a message is governed or dequeued; this sweep holds when
 * neither happens (Redis lost the schedule, the governor is not consuming). It needs only
 * Postgres: the failure, its status event and its outbox record are one guarded
 * transition, so the callback follows whenever Kafka is reachable. Any number of replicas
 * (of any app) may run it at once: rows are claimed with SKIP LOCKED and the transition
 * is guarded.
 */
export class ExpirySweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;
  private readonly expired;

  constructor(
    private readonly options: ExpirySweepOptions,
    private readonly messages: MessageRepository,
    private readonly outbox: OutboxRelay,
    supervisor: Supervisor,
    metrics: MetricsRegistry,
  ) {
    this.expired = metrics.counter('expiry_sweep_expired_total', 'Messages failed with 420 by the expiry sweep: still queued past their message_expiry');
    this.task = new PeriodicTask('expiry-sweep', options.intervalMs, () => this.sweep(), supervisor);
  }

  /** The sweep as a provider of an app module, with the app's settings. */
  static provider(options: ExpirySweepOptions): FactoryProvider<ExpirySweep> {
    return {
      provide: ExpirySweep,
      inject: [MessageRepository, OutboxRelay, Supervisor, MetricsRegistry],
      useFactory: (messages: MessageRepository, outbox: OutboxRelay, supervisor: Supervisor, metrics: MetricsRegistry) =>
        new ExpirySweep(options, messages, outbox, supervisor, metrics),
    };
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One run; returns how many messages it failed. */
  async sweep(): Promise<number> {
    // Almost always nothing is due: one read then, instead of a transaction with a locking read.
    if (!(await this.messages.anyExpiredQueued(this.options.graceMs))) return 0;
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch += 1) {
      const applied = await this.messages.expireQueued(BATCH, this.options.graceMs);
      total += applied.length;
      if (applied.length > 0) {
        this.expired.inc(applied.length);
        // Not awaited: with Kafka away the outbox sweep publishes them later, and expiry goes on.
        void this.outbox.publishApplied(applied);
      }
      if (applied.length < BATCH) break;
    }
    return total;
  }
}
