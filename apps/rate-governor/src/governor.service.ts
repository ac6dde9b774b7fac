// Consumes accepted messages, books each the earliest slot its quotas allow and schedules it for dispatch (carrier-dispatch admits it at hand-off).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MessageErrorCode, MessageState, SmsSubmittedPayload, Topic } from '@sluice/contracts';
import { DAILY_CAP_ERROR, messageExpiryDeadline } from '@sluice/domain';
import { BatchConsumer, ConsumedRecord, DispatchSchedule, KafkaConsumers, OutboxRelay, REDIS } from '@sluice/messaging';
import { MetricsRegistry } from '@sluice/observability';
import { countedSends, MessageQuotaPlan, MessageQuotas, MessageRepository, QuotaContextRepository, RecentSendsRepository } from '@sluice/persistence';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { GOVERNOR_CONFIG, GovernorConfig } from './governor.config';
import { DailyBooking, QuotaBooker } from './quota-booker';

/**
 * How long after its acceptance a message's row is first looked for: the gateway commits it
 * a few milliseconds after Kafka acknowledges the record.
 */
const FIRST_READ_AFTER_MS = 20;

@Injectable()
export class GovernorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GovernorService.name);
  private readonly booker: QuotaBooker;
  private readonly context: QuotaContextRepository;
  private readonly quotas: MessageQuotas;
  private readonly schedule: DispatchSchedule;
  private readonly consumer: BatchConsumer<typeof Topic.SmsSubmitted>;
  private readonly decisions;
  private readonly waitMs;
  private readonly bindingQuota;
  private readonly windowRebuilds;

  constructor(
    @Inject(GOVERNOR_CONFIG) private readonly config: GovernorConfig,
    @Inject(REDIS) redis: Redis,
    consumers: KafkaConsumers,
    dataSource: DataSource,
    private readonly messages: MessageRepository,
    private readonly outbox: OutboxRelay,
    metrics: MetricsRegistry,
  ) {
    this.context = new QuotaContextRepository(dataSource, config.QUOTA_CACHE_TTL_MS);
    this.quotas = new MessageQuotas(this.context);
    const recentSends = countedSends(new RecentSendsRepository(dataSource), this.quotas);
    this.booker = new QuotaBooker(
      redis,
      (scope, day) => this.context.dailyUsage(scope, day),
      config.QUOTA_GUARD_MS,
      config.QUOTA_CLOCK_OFFSET_MS,
      (rootAccountId, since) => {
        this.windowRebuilds.inc();
        return recentSends(rootAccountId, since);
      },
    );
    this.schedule = new DispatchSchedule(redis);
    this.decisions = metrics.counter('governor_decisions_total', 'Scheduling decisions by outcome', ['outcome']);
    this.bindingQuota = metrics.counter('governor_delayed_total', 'Messages given a later slot than their arrival, by the kinds of quota that applied', ['quotas']);
    this.windowRebuilds = metrics.counter(
      'governor_window_rebuilds_total',
      'Quota windows found missing in Redis (first use, expired after a quiet spell, or lost) and rebuilt from the sends Postgres recorded',
    );
    this.waitMs = metrics.histogram('governor_wait_ms', 'Time from acceptance to the booked dispatch slot', [0, 10, 100, 500, 1_000, 5_000, 30_000, 300_000, 3_600_000]);
    metrics.gauge('dispatch_schedule_jobs', 'Messages on the dispatch schedule: due or waiting (due), claimed by a dispatcher (leased)', ['state'], async (gauge) => {
      const size = await this.schedule.size();
      gauge.set({ state: 'due' }, size.due);
      gauge.set({ state: 'leased' }, size.leased);
    });
    // The two backlog gauges are collected together on a scrape and share one read.
    let reading: ReturnType<DispatchSchedule['backlog']> | null = null;
    const readBacklog = () => (reading ??= this.schedule.backlog(config.BACKLOG_METRIC_ACCOUNTS).finally(() => (reading = null)));
    metrics.gauge(
      'governor_backlog_messages',
      'Messages on the dispatch schedule (booked, not yet dispatched) of the accounts with the largest backlogs',
      ['account'],
      async (gauge) => {
        const backlog = await readBacklog();
        gauge.reset();
        for (const { accountId, jobs } of backlog.largest) gauge.set({ account: accountId }, jobs);
      },
    );
    metrics.gauge('governor_backlogged_accounts', 'Accounts with messages on the dispatch schedule', [], async (gauge) =>
      gauge.set((await readBacklog()).accounts),
    );
    this.consumer = consumers.create({
      groupId: config.KAFKA_GROUP_ID,
      topic: Topic.SmsSubmitted,
      handle: (records, heartbeat) => this.handle(records, heartbeat),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  /**
   * A batch is booked in offset order, so an account's messages are booked in the order they
   * were accepted: their plans are read first, then every booking is sent at once in that
   * order (Redis decides them in the order they arrive on the connection), and the batch
   * waits for them together instead of one round trip after the other.
   */
  private async handle(records: ReadonlyArray<ConsumedRecord<typeof Topic.SmsSubmitted>>, heartbeat: () => Promise<void>): Promise<void> {
    const states = await this.committedStates(records.map((r) => r.payload));
    const queued: SmsSubmittedPayload[] = [];
    for (const { payload } of records) {
      const state = states.get(payload.messageUuid);
      if (state === MessageState.Queued) queued.push(payload);
      else this.decisions.inc({ outcome: state === undefined ? 'never_committed' : 'already_processed' });
    }
    const plans = await Promise.all(queued.map((message) => this.quotas.plan(message)));
    const outcomes = await Promise.allSettled(queued.map((message, i) => this.govern(message, plans[i] ?? null)));
    const daily = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
    // The durable copy of the daily counters, written before the offsets are committed.
    await this.context.addDailyUsage(daily);
    await heartbeat();
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * The gateway commits its rows just after Kafka acknowledges the records, so a record
   * can arrive before its row is visible. Rows still missing after the grace period
   * belong to a request that failed before its commit: the client got no 202.
   */
  private async committedStates(messages: readonly SmsSubmittedPayload[]): Promise<Map<string, MessageState>> {
    const states = new Map<string, MessageState>();
    let pending = messages;
    // A record fetched at once is usually read before its row commits, and the read after a miss
    // comes 50 ms later: the first read waits until the newest message's row is likely there.
    const early = Math.max(...messages.map((m) => m.acceptedAt)) + FIRST_READ_AFTER_MS - Date.now();
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
    for (;;) {
      for (const [uuid, state] of await this.messages.statesOf(pending.map((m) => m.messageUuid))) states.set(uuid, state);
      pending = pending.filter((m) => !states.has(m.messageUuid) && Date.now() - m.acceptedAt < this.config.UNCOMMITTED_GRACE_MS);
      if (pending.length === 0) return states;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Books and schedules one message with its quota plan, or fails it; returns what it added
   * to daily counters. The booking is sent before the first wait.
   */
  async govern(message: SmsSubmittedPayload, planned: MessageQuotaPlan | null): Promise<DailyBooking[]> {
    if (!planned) {
      this.decisions.inc({ outcome: 'unknown_account' });
      this.logger.warn({ accountId: message.accountId }, 'record for an unknown or disabled account skipped');
      return [];
    }
    const { plan, carrier } = planned;
    if (!plan.ok) {
      await this.fail(message.messageUuid, MessageErrorCode.ProhibitedByCarrier);
      this.decisions.inc({ outcome: plan.reason });
      return [];
    }
    const result = await this.booker.book({
      rootAccountId: planned.rootAccountId,
      messageUuid: message.messageUuid,
      attempt: message.reslotted ?? 0,
      ...(message.regoverned !== undefined ? { regoverned: message.regoverned } : {}),
      ...(message.notBefore ? { notBefore: message.notBefore + this.config.QUOTA_CLOCK_OFFSET_MS } : {}),
      cost: message.units,
      deadline: messageExpiryDeadline(message.acceptedAt, message.messageExpiry) + this.config.QUOTA_CLOCK_OFFSET_MS,
      windows: plan.windows,
      // Counted when first booked (Postgres kept the count even if Redis lost it).
      daily: message.reslotted || message.regoverned !== undefined ? [] : plan.daily,
    });
    switch (result.outcome) {
      case 'expired':
        // Its earliest slot is past its expiry: it fails now rather than holding a slot another message could use.
        await this.fail(message.messageUuid, MessageErrorCode.Expired);
        this.decisions.inc({ outcome: 'expired' });
        return [];
      case 'daily_cap':
        await this.fail(message.messageUuid, DAILY_CAP_ERROR[result.cap.kind]);
        this.decisions.inc({ outcome: result.cap.kind });
        return [];
      case 'booked': {
        // The schedule runs on Redis time; the clock offset only shifts the quota calendar.
        const dueAt = result.slot - this.config.QUOTA_CLOCK_OFFSET_MS;
        // A replayed or re-governed record must not disturb a job a dispatcher may already hold; it only restores a missing one.
        const restoring = result.replayed || message.regoverned !== undefined;
        const quota = { rootAccountId: planned.rootAccountId, windows: plan.windows };
        const put = await this.schedule.put({ message, dueAt, carrier: carrier.id, quota }, { ifAbsent: restoring });
        if (result.replayed) {
          this.decisions.inc({ outcome: 'replayed' });
          return [];
        }
        if (message.regoverned !== undefined) {
          this.decisions.inc({ outcome: put ? 'regoverned' : 'regovern_not_needed' });
          return [];
        }
        this.waitMs.observe(Math.max(0, result.slot - result.now));
        if (result.slot > result.now) this.bindingQuota.inc({ quotas: plan.windows.map((w) => w.kind).join('+') });
        this.decisions.inc({ outcome: 'scheduled' });
        return [...result.dailyKeys];
      }
    }
  }

  private async fail(messageUuid: string, errorCode: MessageErrorCode): Promise<void> {
    const applied = await this.messages.transition(messageUuid, MessageState.Failed, errorCode, { zeroCharge: true });
    await this.outbox.publishApplied(applied);
  }
}
