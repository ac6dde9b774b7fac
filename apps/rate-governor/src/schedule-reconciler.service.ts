// Anti-entropy: a queued message that nothing will dispatch any more is governed again, once.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SmsSubmittedPayload, Topic } from '@sluice/contracts';
import { DispatchSchedule, KafkaProducer, PeriodicTask, RecordFinder, REDIS, WantedRecords } from '@sluice/messaging';
import { MetricsRegistry, Supervisor } from '@sluice/observability';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { GOVERNOR_CONFIG, GovernorConfig } from './governor.config';
import { QueuePosition, ReconcileRepository, RegovernClaim } from './reconcile.repository';

/** Queued messages read per statement and checked against the schedule per round trip. */
const PAGE = 1_000;
/** Messages remembered as missing from the schedule; more wait for a later pass. */
const MAX_SUSPECTS = 100_000;
/** Messages governed again per run at most (one read of Kafka). */
const BATCH = 5_000;
/** The message ids named in a run's one log line about records not found (the metric counts them all). */
const LOGGED_UUIDS = 20;

interface Suspect {
  readonly accountId: string;
  readonly acceptedAt: number;
  /** Local epoch ms at which it was first seen with no schedule entry. */
  readonly since: number;
}

/**
 * A message is `queued` until carrier-dispatch or the governor moves it on, and only a
 * schedule entry leads dispatch to it. When Redis loses the schedule (a failover to an
 * empty replica, FLUSHALL) or a hand-back goes missing, the message would wait until its
 * expiry. This reconciler finds such messages and publishes them to `sms.submitted.v1`
 * again, so they are booked on the normal path.
 *
 * - **Which.** It pages through the queued messages (the partial index on queued rows)
 *   older than REGOVERN_AFTER_MS and asks Redis, in one HMGET per page, which have a
 *   schedule entry (due, waiting or claimed). A booked message waiting for a far slot has
 *   one and is left alone.
 * - **Not merely late.** A message seen without an entry may still have a record the
 *   governor has not read (its first record, under consumer lag, or a hand-back in
 *   flight). It is governed again only once the governor's group has committed past every
 *   record stamped before REGOVERN_SLACK_MS after it was first seen missing, and it is
 *   still missing when looked up after that position was read.
 * - **Once.** A guarded `UPDATE … SET regoverned_at` decides which replica governs it
 *   again; nobody does it again within REGOVERN_AFTER_MS. A re-governed record only
 *   restores a missing schedule entry, never replaces one, so a race costs at most a
 *   booked slot and never a second submission.
 * - **The payload.** Postgres may not hold the message's content or its whole destination
 *   (`log`), and sealed content's key opens only the copy that travelled through Kafka.
 *   The original record is read back from `sms.submitted.v1` (retained 7 days, far past
 *   the 3-hour longest expiry): its partition follows from the account (the topic key),
 *   its offset from its acceptance time (Kafka's offsets by timestamp). The copy published
 *   again is that record, byte for byte, plus `regoverned`.
 */
@Injectable()
export class ScheduleReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ScheduleReconciler.name);
  private readonly task: PeriodicTask;
  private readonly repository: ReconcileRepository;
  private readonly schedule: DispatchSchedule;
  private readonly finder: RecordFinder<typeof Topic.SmsSubmitted>;
  private readonly outcomes;
  /** Where the next run continues its pass through the queue (null: from the start). */
  private cursor: QueuePosition | null = null;
  private readonly suspects = new Map<string, Suspect>();

  constructor(
    @Inject(GOVERNOR_CONFIG) private readonly config: GovernorConfig,
    @Inject(REDIS) redis: Redis,
    private readonly producer: KafkaProducer,
    dataSource: DataSource,
    supervisor: Supervisor,
    metrics: MetricsRegistry,
  ) {
    this.repository = new ReconcileRepository(dataSource);
    this.schedule = new DispatchSchedule(redis);
    this.finder = producer.recordFinder(Topic.SmsSubmitted, `${config.KAFKA_GROUP_ID}-reread`);
    this.outcomes = metrics.counter(
      'governor_regoverned_total',
      'Queued messages found without a schedule entry, by what the reconciler did: republished, waiting_for_consumer (the governor has not read up to them), record_not_found',
      ['outcome'],
    );
    this.task = new PeriodicTask('schedule-reconciler', config.REGOVERN_AFTER_MS === 0 ? 0 : config.REGOVERN_INTERVAL_MS, () => this.reconcile(), supervisor);
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One run: continue the pass through the queue, then govern again what is confirmed lost. Returns how many were published. */
  async reconcile(now = Date.now()): Promise<number> {
    await this.scan(now);
    return this.regovernConfirmed(now);
  }

  private async scan(now: number): Promise<void> {
    let scanned = 0;
    while (scanned < this.config.REGOVERN_SCAN_ROWS) {
      const wanted = Math.min(PAGE, this.config.REGOVERN_SCAN_ROWS - scanned);
      const page = await this.repository.queuedAfter(this.cursor, this.config.REGOVERN_AFTER_MS, wanted);
      scanned += page.length;
      const present = await this.schedule.present(page.map((m) => m.messageUuid));
      page.forEach((message, i) => {
        if (present[i]) this.suspects.delete(message.messageUuid);
        else if (!this.suspects.has(message.messageUuid) && this.suspects.size < MAX_SUSPECTS) {
          this.suspects.set(message.messageUuid, { accountId: message.accountId, acceptedAt: message.acceptedAt, since: now });
        }
      });
      if (page.length < wanted) {
        this.cursor = null;
        return;
      }
      this.cursor = page.at(-1)?.position ?? null;
    }
  }

  private async regovernConfirmed(now: number): Promise<number> {
    const slack = this.config.REGOVERN_SLACK_MS;
    const ready = [...this.suspects].filter(([, s]) => s.since <= now - 2 * slack).slice(0, BATCH);
    if (ready.length === 0) return 0;
    // A record about a ready message that could restore its entry was produced before it was seen
    // missing: once every record stamped up to then (and the slack) is handled on its partition, it has had its turn.
    const seenMissing = Math.max(...ready.map(([, s]) => s.since));
    const { partitions, through } = await this.finder.consumedThrough(this.config.KAFKA_GROUP_ID, seenMissing + slack);
    // sms.submitted.v1 is keyed by account (TopicKey).
    const partitionOf = (accountId: string) => this.finder.partitionOf(accountId, partitions);
    const gated = ready.filter(([, s]) => through.has(partitionOf(s.accountId)));
    if (gated.length < ready.length) this.outcomes.inc({ outcome: 'waiting_for_consumer' }, ready.length - gated.length);
    if (gated.length === 0) return 0;
    // Looked up again after the group's position was read: whatever the governor handled by then has put its entry back.
    const present = await this.schedule.present(gated.map(([uuid]) => uuid));
    const missing = gated.filter((_, i) => !present[i]).map(([uuid]) => uuid);
    for (const [uuid] of gated) this.suspects.delete(uuid);
    const claims = await this.repository.claim(missing, this.config.REGOVERN_AFTER_MS);
    if (claims.length === 0) return 0;
    const records = await this.originalRecords(claims, partitions, partitionOf);
    const republished: SmsSubmittedPayload[] = [];
    const notFound: string[] = [];
    for (const claim of claims) {
      const record = records.get(claim.messageUuid);
      if (!record) {
        notFound.push(claim.messageUuid);
        continue;
      }
      // A hand-back's back-off and count do not carry over: the message starts afresh, keeping its content and acceptance.
      const { reslotted: _reslotted, notBefore: _notBefore, regoverned: _previous, ...original } = record;
      republished.push({ ...original, regoverned: claim.regovernedAt });
    }
    if (notFound.length > 0) {
      // They stay queued and their expiry still ends them (the expiry sweep); they are looked for again after the bound.
      // One line a run: when Kafka has lost the records of a backlog, a line for each message would be thousands a run.
      this.outcomes.inc({ outcome: 'record_not_found' }, notFound.length);
      this.logger.error(
        { messages: notFound.length, messageUuids: notFound.slice(0, LOGGED_UUIDS) },
        'the accepted records of queued messages without a schedule entry were not found in Kafka; they stay queued until their expiry',
      );
    }
    await this.producer.publish(Topic.SmsSubmitted, republished);
    if (republished.length > 0) {
      this.outcomes.inc({ outcome: 'republished' }, republished.length);
      this.logger.warn({ messages: republished.length }, 'queued messages without a schedule entry were governed again');
    }
    return republished.length;
  }

  /** The records the gateway published for the claimed messages, from their account's partition (or, failing that, any). */
  private async originalRecords(
    claims: readonly RegovernClaim[],
    partitions: number,
    partitionOf: (accountId: string) => number,
  ): Promise<Map<string, SmsSubmittedPayload>> {
    const slack = this.config.REGOVERN_SLACK_MS;
    const span = (of: readonly RegovernClaim[]) => ({
      from: Math.min(...of.map((c) => c.acceptedAt)) - slack,
      until: Math.max(...of.map((c) => c.acceptedAt)) + slack,
    });
    const byPartition = new Map<number, RegovernClaim[]>();
    for (const claim of claims) {
      const partition = partitionOf(claim.accountId);
      const onPartition = byPartition.get(partition) ?? [];
      onPartition.push(claim);
      byPartition.set(partition, onPartition);
    }
    const wanted: WantedRecords[] = [...byPartition].map(([partition, of]) => ({ partition, ids: new Set(of.map((c) => c.messageUuid)), ...span(of) }));
    const found = await this.finder.find(wanted, (p) => p.messageUuid);
    const unfound = claims.filter((c) => !found.has(c.messageUuid));
    if (unfound.length > 0) {
      // The topic may have been given more partitions since: look everywhere in the same span.
      const ids = new Set(unfound.map((c) => c.messageUuid));
      const everywhere = Array.from({ length: partitions }, (_, partition) => ({ partition, ids, ...span(unfound) }));
      for (const [uuid, record] of await this.finder.find(everywhere, (p) => p.messageUuid)) found.set(uuid, record);
    }
    return found;
  }
}
