// Consumes accepted messages, books each the earliest slot its quotas allow and schedules it for dispatch.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MessageErrorCode, MessageState, MessageType, SmsSubmittedPayload, Topic } from '@sluice/contracts';
import { BatchConsumer, ConsumedRecord, DispatchSchedule, KafkaProducer, OutboxRelay, REDIS } from '@sluice/messaging';
import { MetricsRegistry } from '@sluice/observability';
import { AccountRepository, MessageRepository } from '@sluice/persistence';
import type Redis from 'ioredis';
import { AccountMpsLimiter } from './account-mps.limiter';
import { GOVERNOR_CONFIG, GovernorConfig } from './governor.config';

interface CachedQuota {
  readonly smsMps: number;
  readonly mmsMps: number;
  readonly expiresAt: number;
}

@Injectable()
export class GovernorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GovernorService.name);
  private readonly limiter: AccountMpsLimiter;
  private readonly schedule: DispatchSchedule;
  private readonly quotas = new Map<string, CachedQuota>();
  private readonly consumer: BatchConsumer<typeof Topic.SmsSubmitted>;
  private readonly decisions;
  private readonly waitMs;

  constructor(
    @Inject(GOVERNOR_CONFIG) private readonly config: GovernorConfig,
    @Inject(REDIS) redis: Redis,
    producer: KafkaProducer,
    private readonly accounts: AccountRepository,
    private readonly messages: MessageRepository,
    private readonly outbox: OutboxRelay,
    metrics: MetricsRegistry,
  ) {
    this.limiter = new AccountMpsLimiter(redis, config.QUOTA_GUARD_MS);
    this.schedule = new DispatchSchedule(redis);
    this.decisions = metrics.counter('governor_decisions_total', 'Scheduling decisions by outcome', ['outcome']);
    this.waitMs = metrics.histogram('governor_wait_ms', 'Time from acceptance to the booked dispatch slot', [0, 10, 100, 500, 1_000, 5_000, 30_000, 300_000, 3_600_000]);
    this.consumer = new BatchConsumer({
      kafka: producer.client(),
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

  /** In offset order, so an account's messages are booked in the order they were accepted. */
  private async handle(records: ReadonlyArray<ConsumedRecord<typeof Topic.SmsSubmitted>>, heartbeat: () => Promise<void>): Promise<void> {
    const states = await this.committedStates(records.map((r) => r.payload));
    for (const { payload } of records) {
      const state = states.get(payload.messageUuid);
      if (state === MessageState.Queued) await this.govern(payload);
      else this.decisions.inc({ outcome: state === undefined ? 'never_committed' : 'already_processed' });
      await heartbeat();
    }
  }

  /**
   * The gateway commits its rows just after Kafka acknowledges the records, so a record
   * can arrive before its row is visible. Rows still missing after the grace period
   * belong to a request that failed before its commit: the client got no 202.
   */
  private async committedStates(messages: readonly SmsSubmittedPayload[]): Promise<Map<string, MessageState>> {
    const states = new Map<string, MessageState>();
    let pending = messages;
    for (;;) {
      for (const [uuid, state] of await this.messages.statesOf(pending.map((m) => m.messageUuid))) states.set(uuid, state);
      pending = pending.filter((m) => !states.has(m.messageUuid) && Date.now() - m.acceptedAt < this.config.UNCOMMITTED_GRACE_MS);
      if (pending.length === 0) return states;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async govern(message: SmsSubmittedPayload): Promise<void> {
    const quota = await this.quotaFor(message.accountId);
    if (!quota) {
      // The gateway's transaction never committed: nothing was promised for this record.
      this.decisions.inc({ outcome: 'unknown_account' });
      return;
    }
    const mps = message.type === MessageType.Mms ? quota.mmsMps : quota.smsMps;
    const deadline = message.acceptedAt + message.messageExpiry * 1_000;
    const booking = await this.limiter.book(message.accountId, message.type, mps, message.units, deadline, message.messageUuid);
    if (booking.slot === null) {
      // Its earliest slot is past its expiry: it fails now rather than holding a slot another message could use.
      const applied = await this.messages.transition(message.messageUuid, MessageState.Failed, MessageErrorCode.Expired, { zeroCharge: true });
      if (applied) await this.outbox.flush([applied.outboxId]).catch(() => undefined);
      this.decisions.inc({ outcome: 'expired' });
      return;
    }
    await this.schedule.put({ message, dueAt: booking.slot, attempts: 0 });
    this.waitMs.observe(Math.max(0, booking.slot - message.acceptedAt));
    this.decisions.inc({ outcome: 'scheduled' });
  }

  private async quotaFor(accountId: string): Promise<CachedQuota | null> {
    const cached = this.quotas.get(accountId);
    if (cached && cached.expiresAt > Date.now()) return cached;
    const account = await this.accounts.findOne(accountId);
    if (!account) {
      this.logger.warn({ accountId }, 'record for an unknown account skipped');
      return null;
    }
    const fresh = { smsMps: Number(account.smsMps), mmsMps: Number(account.mmsMps), expiresAt: Date.now() + this.config.QUOTA_CACHE_TTL_MS };
    this.quotas.set(accountId, fresh);
    return fresh;
  }
}
