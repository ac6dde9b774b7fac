// Takes due messages from the schedule, checks expiry and state, admits them against their quotas, submits them to the carrier, records the outcome.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CARRIERS, CarrierId, DispatchJob, DispatchQuota, MessageErrorCode, MessageState, TextEncoding, Topic, must } from '@sluice/contracts';
import { messageExpiryDeadline, openContent, splitIntoParts } from '@sluice/domain';
import { Admission, ClaimedJob, Coalescer, DispatchSchedule, IdleWait, KafkaProducer, OutboxRelay, QuotaAdmission, REDIS, watchScheduleWake } from '@sluice/messaging';
import { preciseNowMs } from '@sluice/clock';
import { BackoffPolicy, MetricsRegistry, ReadinessRegistry, SupervisedLoop, Supervisor } from '@sluice/observability';
import {
  countedSends,
  DispatchStanding,
  MessagePartRepository,
  MessageQuotas,
  QuotaContextRepository,
  RecentSendsRepository,
  SubmittedPart,
  TransitionPatch,
} from '@sluice/persistence';
import { DataSource } from 'typeorm';
import { claimRoom } from './claim-room';
import { BatchedTransitions, WRITE_LINGER_MS } from './batched-transitions';
import type Redis from 'ioredis';
import * as smpp from 'smpp';
import { DISPATCH_CONFIG, DispatchConfig } from './dispatch.config';
import { ReceiptService } from './receipt.service';
import { SmppThread } from './smpp-thread';
import { SmppTimeoutError, SmppUnavailableError, SubmitResult } from './smpp-client';

/** SMPP statuses that mean "slow down, try again later". */
const THROTTLED = new Set([0x58 /* ESME_RTHROTTLED */, 0x14 /* ESME_RMSGQFUL */]);
/** A carrier that throttles is not tried again for this long. */
const THROTTLE_BACKOFF_MS = 1_000;
/** Room this long after a job's turn, beyond the claim look-ahead, is still given for its moment rather than refused. */
const ADMISSION_HORIZON_MARGIN_MS = 50;
/** A message whose route has no bind up is tried again this much later. */
const UNAVAILABLE_BACKOFF_MS = 1_000;
/** A throttled second or later part is retried on its own this many times, this far apart. */
const PART_THROTTLE_RETRIES = 5;
const PART_THROTTLE_BACKOFF_MS = 1_000;
/** How often the Redis clock is measured on a round trip of its own while admissions are asked for. */
const CLOCK_SAMPLE_MS = 100;
/** A write recording what the carrier accepted is tried again after this long, doubling up to the cap. */
const RECORD_RETRY = { initialMs: 200, maxMs: 5_000 };
/** Claims that fail (Redis or Postgres away) are retried soon: messages waiting on a long back-off would go out late. */
const CLAIM_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 5_000, jitter: 0.2 };

/**
 * An admission at hand-off: its Redis time, when the carrier last answered one of its submits
 * (this process's clock), how many of its submits are written and not yet answered, and
 * whether its units are counted for good (settled at the answer, or released).
 */
interface AdmittedHandOff extends Admission {
  readonly now: number;
  /** When the admission let it go: its answer, or the moment it was admitted for (this process's clock). */
  readonly askedAt: number;
  /** The moment it was admitted for (`preciseNowMs`), until its first submit is handed to the SMPP thread to be written then; null: at once. */
  notBefore: number | null;
  answeredAt: number | null;
  unanswered: number;
  closed: boolean;
}

type SubmitOutcome =
  | { readonly kind: 'sent'; readonly firstId: string }
  | { readonly kind: 'throttled' }
  | { readonly kind: 'refused'; readonly status: number; readonly partsSent: number; readonly firstId: string | null };

@Injectable()
export class DispatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DispatchService.name);
  private readonly schedule: DispatchSchedule;
  /** Every job in hand, to its end: handed back to the schedule on shutdown. */
  private readonly inFlight = new Map<string, { claimed: ClaimedJob; task: Promise<void> }>();
  /** The jobs in hand not yet answered by the carrier (waiting for their moment, or their submits): they fill the window. */
  private inWindow = 0;
  private readonly claims: SupervisedLoop;
  private readonly outcomes;
  private readonly lateness;
  private readonly admissionToSubmit;
  private readonly admissionToAnswer;
  private readonly admission: QuotaAdmission;
  private readonly quotas: MessageQuotas;
  /** Writes that many in-flight submits make at once share one round trip each. */
  private readonly acks: Coalescer<ClaimedJob, void>;
  private readonly partWrites: Coalescer<{ messageUuid: string; partSeq: number; partsTotal: number; carrierMessageId: string }, void>;
  private readonly receipts: ReceiptService;
  private readonly recordRetries;
  private stopping = false;
  /** The claim loop's wait: the schedule's wake-ups end it. */
  private readonly idle = new IdleWait();
  private closeWake: (() => void) | null = null;
  private stopClockSampling: (() => void) | null = null;
  private clockRedis: Redis | null = null;
  private readonly redis: Redis;

  constructor(
    @Inject(DISPATCH_CONFIG) private readonly config: DispatchConfig,
    @Inject(REDIS) redis: Redis,
    private readonly carrier: SmppThread,
    private readonly parts: MessagePartRepository,
    private readonly transitions: BatchedTransitions,
    private readonly producer: KafkaProducer,
    private readonly outbox: OutboxRelay,
    receipts: ReceiptService,
    dataSource: DataSource,
    readiness: ReadinessRegistry,
    metrics: MetricsRegistry,
    supervisor: Supervisor,
  ) {
    this.redis = redis;
    this.schedule = new DispatchSchedule(redis);
    this.quotas = new MessageQuotas(new QuotaContextRepository(dataSource, config.QUOTA_CACHE_TTL_MS));
    this.admission = new QuotaAdmission(redis, config.QUOTA_ADMISSION_GUARD_MS, config.SCHEDULE_LEASE_MS, countedSends(new RecentSendsRepository(dataSource), this.quotas), config.DISPATCH_CLAIM_AHEAD_MS + ADMISSION_HORIZON_MARGIN_MS);
    this.acks = new Coalescer<ClaimedJob, void>(async (claimed) => {
      await this.schedule.ack(claimed);
      return claimed.map(() => undefined);
    });
    this.partWrites = new Coalescer<{ messageUuid: string; partSeq: number; partsTotal: number; carrierMessageId: string }, void>(async (parts) => {
      await this.parts.recordSubmittedMany(parts);
      return parts.map(() => undefined);
    }, 500, WRITE_LINGER_MS);
    this.outcomes = metrics.counter('dispatch_outcomes_total', 'Dispatch attempts by outcome', ['outcome']);
    this.recordRetries = metrics.counter('dispatch_record_retries_total', 'Writes of what the carrier accepted tried again (Postgres away); the job stays leased meanwhile');
    this.lateness = metrics.histogram('dispatch_lateness_ms', 'Claim time minus the booked slot (a pacing hint: lateness costs no slot)', [1, 5, 10, 25, 50, 100, 250, 1_000, 10_000]);
    this.admissionToSubmit = metrics.histogram(
      'dispatch_admission_to_submit_ms',
      'Time from the quota admission (for one admitted ahead, from the moment it was admitted for) to the writing of the first submit_sm (this process\'s clock)',
      [1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 250],
    );
    this.admissionToAnswer = metrics.histogram(
      'dispatch_admission_to_answer_ms',
      'Time from the quota admission (or the moment it was admitted for) to the carrier\'s answer to the last submit_sm (this process\'s clock): the units are counted from that answer, so a 1-second quota is used to at most 1000 / (1000 + this)',
      [1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 250, 1_000],
    );
    metrics.gauge('dispatch_binds_up', 'SMPP binds up, by route (host:port/system_id)', ['route'], async (gauge) => {
      for (const { route, up } of this.carrier.bindsUp()) gauge.set({ route }, up);
    });
    metrics.gauge(
      'dispatch_redis_clock_uncertainty_ms',
      'How far this dispatcher\'s reading of Redis time may be off (half its best recent round trip, an admission\'s or a TIME of its own, widened by 1,000 ppm of drift since): every settled time and hand-off moment carries it',
      [],
      async (gauge) => {
        const uncertainty = this.admission.clockUncertaintyMs();
        if (Number.isFinite(uncertainty)) gauge.set(uncertainty);
      },
    );
    readiness.register('carrier', async () => {
      const down = this.carrier.unbound();
      if (down.length > 0) throw new Error(`no bind up on ${down.join(', ')}`);
    });
    receipts.attach(this.carrier);
    this.receipts = receipts;
    this.claims = supervisor.loop('dispatch-claims', () => this.claimOnce(), { backoff: CLAIM_BACKOFF });
  }

  onApplicationBootstrap(): void {
    this.carrier.onBound(() => this.idle.wake());
    this.carrier.start();
    this.closeWake = watchScheduleWake(this.redis, () => this.idle.wake());
    this.clockRedis = this.redis.duplicate({ connectionName: 'dispatch-clock' });
    // Connection trouble is logged by the main connection; meanwhile the admissions' own round trips measure the clock.
    this.clockRedis.on('error', () => undefined);
    this.stopClockSampling = this.admission.keepClockTight(this.clockRedis, CLOCK_SAMPLE_MS);
    this.claims.start();
  }

  /**
   * Stops claiming, lets submits in flight finish within the shutdown bound, then hands
   * the unfinished jobs back to the schedule at once (their leases would return them anyway).
   */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.idle.wake();
    this.closeWake?.();
    this.stopClockSampling?.();
    this.clockRedis?.disconnect();
    await this.claims.stop();
    const drained = Promise.allSettled([...this.inFlight.values()].map((f) => f.task));
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, this.config.SHUTDOWN_TIMEOUT_MS))]);
    for (const { claimed } of this.inFlight.values()) await this.schedule.put(claimed.job).catch(() => undefined);
    await this.carrier.stop();
  }

  /** One claim and the dispatch of what it got; the supervisor runs it again and again, after a back-off when it throws. */
  private async claimOnce(): Promise<void> {
    // Every bind's window, counting jobs claimed ahead that wait for their time (not those answered, whose records are being written).
    const free = claimRoom({ window: this.config.SMPP_WINDOW * this.config.SMPP_BINDS, awaitingCarrier: this.inWindow, total: this.inFlight.size });
    if (!this.carrier.anyBound() || free <= 0) {
      // A bind coming up ends the wait: a carrier that is back gets its backlog at once.
      this.idle.looking();
      await this.idle.wait(this.config.SCHEDULE_POLL_MS);
      return;
    }
    this.idle.looking();
    const { now, jobs } = await this.schedule.claim(free, this.config.SCHEDULE_LEASE_MS, this.config.DISPATCH_CLAIM_AHEAD_MS);
    const claimedAt = Date.now();
    if (jobs.length === 0) {
      // Until the earliest job can be claimed; a job put earlier than that wakes the wait.
      const wait = await this.schedule.msUntilNextDue();
      const untilClaimable = wait === null ? this.config.SCHEDULE_IDLE_POLL_MS : Math.max(0, wait - this.config.DISPATCH_CLAIM_AHEAD_MS);
      await this.idle.wait(Math.min(untilClaimable, this.config.SCHEDULE_IDLE_POLL_MS));
      return;
    }
    const uuids = jobs.map((j) => j.job.message.messageUuid);
    const standing = await this.parts.dispatchStandingOf(uuids);
    for (const claimed of jobs) {
      const uuid = claimed.job.message.messageUuid;
      let answered = false;
      const leaveWindow = (): void => {
        if (answered) return;
        answered = true;
        this.inWindow -= 1;
      };
      this.inWindow += 1;
      const task = this.dispatch(claimed, now, standing.get(uuid), claimedAt, leaveWindow).finally(() => {
        leaveWindow();
        this.inFlight.delete(uuid);
      });
      this.inFlight.set(uuid, { claimed, task });
    }
  }

  /**
   * `submitted` are the parts the carrier already accepted for this message: a dispatcher
   * that died between the carrier's answer and the `sent` write left them. They are not
   * submitted again; when every part is there the message turns `sent` as it was.
   * `leaveWindow` is called once the carrier has answered every submit: what follows only writes.
   */
  private async dispatch(claimed: ClaimedJob, now: number, standing: DispatchStanding | undefined, claimedAt: number, leaveWindow: () => void): Promise<void> {
    const { job } = claimed;
    const { message } = job;
    const state = standing?.state;
    const submitted = standing?.submitted ?? [];
    let admission: AdmittedHandOff | null = null;
    /** Parts the carrier accepted in this attempt: once one has, the admission is spent whatever happens next. */
    const progress = { accepted: 0 };
    try {
      if (state !== MessageState.Queued) {
        // Already submitted (a redelivery after a crash) or its row is gone: nothing to send.
        this.outcomes.inc({ outcome: state === undefined ? 'no_record' : 'already_processed' });
        await this.acks.add(claimed);
        return;
      }
      const text = contentText(message, standing?.contentKey ?? null);
      if (text === null) {
        // Sealed content whose key is gone cannot be sent by anyone: it fails rather than waiting forever.
        this.logger.error({ messageUuid: message.messageUuid }, 'sealed content cannot be opened; the message fails');
        await this.finish(claimed, MessageState.Failed, MessageErrorCode.Unknown, { zeroCharge: true });
        this.outcomes.inc({ outcome: 'unreadable' });
        return;
      }
      const partsTotal = splitIntoParts(text).length;
      if (submitted.length >= partsTotal) {
        await this.markSent(claimed, submitted[0].carrierMessageId, submitted[submitted.length - 1].submittedAt);
        this.outcomes.inc({ outcome: 'taken_over_sent' });
        return;
      }
      // Part of the message is at the carrier already: the rest follows, whatever its age.
      if (submitted.length === 0 && now > messageExpiryDeadline(message.acceptedAt, message.messageExpiry)) {
        await this.finish(claimed, MessageState.Failed, MessageErrorCode.Expired, { zeroCharge: true });
        this.outcomes.inc({ outcome: 'expired' });
        return;
      }
      this.lateness.observe(Math.max(0, now + (Date.now() - claimedAt) - job.dueAt));
      if (submitted.length === 0) {
        // Admitted against every window quota as it is claimed, ahead of its turn or late: the
        // admission says when it may go (room a little ahead is given for its moment), so
        // neither earliness nor lateness costs a slot.
        const admitted = await this.admit(claimed);
        if (!admitted) return;
        admission = admitted;
      } else {
        // The rest of a message partly at the carrier: at its turn. `claimedAt` was read after
        // Redis answered, so the local deadline errs late, never early.
        const untilDue = job.dueAt - (now + (Date.now() - claimedAt));
        if (untilDue > 0) await sleep(untilDue);
      }
      const outcome = await this.submitParts(claimed, text, submitted, admission, progress);
      leaveWindow();
      // Counted from the carrier's answer at once, before the writes that record it (which may wait for Postgres).
      if (admission && outcome.kind !== 'throttled') this.settle(admission);
      switch (outcome.kind) {
        case 'sent': {
          const sentAt = new Date();
          await this.recorded(claimed, () => this.markSent(claimed, outcome.firstId, sentAt));
          this.outcomes.inc({ outcome: submitted.length > 0 ? 'taken_over_sent' : 'sent' });
          return;
        }
        case 'throttled':
          // Nothing reached the carrier: its units are taken back, and it goes to the governor for a new slot under every quota.
          await this.release(admission);
          await this.reslot(claimed, now + THROTTLE_BACKOFF_MS);
          this.outcomes.inc({ outcome: 'throttled' });
          return;
        case 'refused':
          if (outcome.partsSent === 0) {
            await this.finish(claimed, MessageState.Failed, errorCodeFor(outcome.status), { zeroCharge: true });
          } else {
            // Some parts reached the carrier: the message was sent, and cannot be delivered whole.
            const sentAt = new Date();
            await this.recorded(claimed, () => this.finish(claimed, MessageState.Sent, MessageErrorCode.Ok, { carrierMessageId: outcome.firstId ?? undefined, sentAt }));
            await this.recorded(claimed, () => this.finish(claimed, MessageState.Undelivered, errorCodeFor(outcome.status), {}));
          }
          this.outcomes.inc({ outcome: 'refused' });
          return;
      }
    } catch (error: unknown) {
      if (error instanceof SmppUnavailableError) {
        // Not submitted: its units are taken back, and it goes back to the schedule after a
        // pause so a route that is down is not asked again at once. It has had its turn: it
        // comes back in line (judged on room alone), not behind the line its quotas formed
        // meanwhile, so the carrier's return finds it first come first served.
        await this.release(progress.accepted === 0 ? admission : null);
        await this.schedule.put({ ...job, dueAt: now + UNAVAILABLE_BACKOFF_MS, inLine: true }).catch(() => undefined);
        this.outcomes.inc({ outcome: 'unavailable' });
        return;
      }
      if (error instanceof SmppTimeoutError) {
        await this.finish(claimed, MessageState.Failed, MessageErrorCode.Network, { zeroCharge: true }).catch(() => undefined);
        this.outcomes.inc({ outcome: 'timeout' });
        return;
      }
      // Postgres, Redis or Kafka trouble: the lease expires and the job becomes due again.
      this.logger.error({ err: error, messageUuid: message.messageUuid }, 'dispatch failed; the job will be retried');
    } finally {
      if (admission) this.settle(admission);
    }
  }

  /**
   * One submit_sm per unit. A multi-unit text goes as concatenated parts (UDH IEI 0,
   * an 8-bit reference shared by the parts), each recorded with its carrier id as soon
   * as the carrier accepts it, so receipts can be matched part by part. Parts in
   * `submitted` are skipped; the reference comes from the message uuid, so parts sent
   * by two dispatchers still join up on the handset.
   */
  private async submitParts(
    claimed: ClaimedJob,
    text: string,
    submitted: readonly SubmittedPart[],
    admission: AdmittedHandOff | null,
    progress: { accepted: number },
  ): Promise<SubmitOutcome> {
    const { job } = claimed;
    const { message } = job;
    const texts = splitIntoParts(text);
    const reference = concatenationReference(message.messageUuid);
    let firstId: string | null = submitted[0]?.carrierMessageId ?? null;
    for (let index = submitted.length; index < texts.length; index += 1) {
      const part = texts[index];
      const udh = texts.length > 1 ? Buffer.from([0x05, 0x00, 0x03, reference, texts.length, index + 1]) : null;
      let result: SubmitResult | null = null;
      for (let attempt = 0; ; attempt += 1) {
        result = await this.submitWithRetry(
          job.carrier,
          message.src,
          message.dst,
          message.encoding,
          udh ? { udh, message: part } : part,
          admission,
        );
        if (admission && index === submitted.length && attempt === 0) this.admissionToSubmit.observe(Math.max(0, result.writtenAt - admission.askedAt));
        if (!THROTTLED.has(result.commandStatus) || index === 0 || attempt >= PART_THROTTLE_RETRIES) break;
        await sleep(PART_THROTTLE_BACKOFF_MS);
      }
      if (result.commandStatus !== smpp.ESME_ROK || !result.messageId) {
        if (THROTTLED.has(result.commandStatus) && index === 0) return { kind: 'throttled' };
        return { kind: 'refused', status: result.commandStatus, partsSent: index, firstId };
      }
      progress.accepted += 1;
      const submittedPart = { messageUuid: message.messageUuid, partSeq: index + 1, partsTotal: texts.length, carrierMessageId: result.messageId };
      await this.recorded(claimed, () => this.partWrites.add(submittedPart));
      firstId ??= result.messageId;
    }
    return { kind: 'sent', firstId: must(firstId, 'the carrier id of the first part') };
  }

  private async submitWithRetry(
    carrier: CarrierId | undefined,
    src: string,
    dst: string,
    encoding: TextEncoding,
    shortMessage: smpp.OutgoingMessage,
    admission: AdmittedHandOff | null,
  ): Promise<SubmitResult> {
    for (let attempt = 1; ; attempt += 1) {
      if (admission) admission.unanswered += 1;
      // The first submit of an admission is written at the moment it was admitted for.
      const notBefore = admission?.notBefore ?? undefined;
      if (admission) admission.notBefore = null;
      try {
        const result = await this.carrier.submit(carrier, {
          source_addr_ton: src.length <= 6 ? 3 : 1,
          source_addr_npi: 1,
          source_addr: src,
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: dst,
          registered_delivery: this.config.REQUEST_RECEIPTS ? 1 : 0,
          data_coding: encoding === TextEncoding.Ucs2 ? 8 : 0,
          short_message: shortMessage,
        }, notBefore);
        if (admission) {
          admission.unanswered -= 1;
          admission.answeredAt = result.answeredAt;
        }
        return result;
      } catch (error: unknown) {
        // Not written (no bind up): nothing of it can reach the carrier.
        if (admission && error instanceof SmppUnavailableError) admission.unanswered -= 1;
        // A timeout may hide an accepted submit: a retry can duplicate it, bounded by the window.
        if (!(error instanceof SmppTimeoutError) || attempt >= this.config.SMPP_SUBMIT_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Admits a due message against its window quotas at hand-off. Refused, it goes back on the
   * schedule (no Kafka, no new booking) at the time admission gave; if that time is past its
   * expiry it fails now with 420, holding no slot. Returns the admission, or null when the
   * message was dealt with.
   */
  private async admit(claimed: ClaimedJob): Promise<AdmittedHandOff | null> {
    const { job } = claimed;
    const { message } = job;
    const quota = job.quota ?? (await this.quotaOf(job));
    const request = {
      rootAccountId: quota.rootAccountId,
      messageUuid: message.messageUuid,
      cost: message.units,
      deadline: message.acceptedAt + message.messageExpiry * 1_000,
      windows: quota.windows,
      inLine: job.inLine === true,
      ...(job.linePlace === undefined ? {} : { linePlace: job.linePlace }),
    };
    const result = await this.admission.admit(request);
    switch (result.outcome) {
      case 'admitted': {
        // Admitted for a moment ahead (when its quotas have room): the SMPP thread writes it no
        // earlier. In flight until the carrier answers: settled then (or released if nothing is written).
        const notBefore = result.at > result.now ? result.handOffAt : null;
        return { ...result.admission, now: result.now, askedAt: notBefore ?? preciseNowMs(), notBefore, answeredAt: null, unanswered: 0, closed: false };
      }
      case 'refused':
        // A place in line is kept, or given when the retry is not a few milliseconds away.
        await this.schedule.put({
          ...job,
          dueAt: result.retryAt,
          ...(result.linePlace === undefined ? {} : { inLine: true as const, linePlace: result.linePlace }),
        });
        this.outcomes.inc({ outcome: 'admission_deferred' });
        return null;
      case 'expired':
        await this.finish(claimed, MessageState.Failed, MessageErrorCode.Expired, { zeroCharge: true });
        this.outcomes.inc({ outcome: 'expired' });
        return null;
    }
  }

  /** The quotas of a job scheduled without them (by a governor that did not record them), as they apply now. */
  private async quotaOf(job: DispatchJob): Promise<DispatchQuota> {
    const planned = await this.quotas.plan(job.message);
    if (!planned?.plan.ok) return { rootAccountId: job.message.accountId, windows: [] };
    return { rootAccountId: planned.rootAccountId, windows: planned.plan.windows };
  }

  /**
   * Counts an admission's units for good once its submits are done: from the carrier's last
   * answer when every submit written was answered, else (a timeout, a crash of the attempt)
   * from Redis now, which is after anything written could have arrived. Not awaited: until it
   * lands the units count as in flight, which is never fewer than they should.
   */
  private settle(admission: AdmittedHandOff): void {
    if (admission.closed) return;
    admission.closed = true;
    const answeredAt = admission.unanswered === 0 && admission.answeredAt !== null ? admission.answeredAt : undefined;
    if (answeredAt !== undefined) {
      const delay = Math.max(0, answeredAt - admission.askedAt);
      this.admissionToAnswer.observe(delay);
    }
    this.admission.settle(admission, answeredAt).catch((error: unknown) => {
      this.logger.warn({ err: error, messageUuid: admission.member.split('#')[0] }, 'settling an admission failed; its units count as in flight until their time runs out');
    });
  }

  /** Takes back the units of an admission whose submit never reached the carrier. */
  private async release(admission: AdmittedHandOff | null): Promise<void> {
    if (!admission || admission.closed) return;
    admission.closed = true;
    await this.admission.release(admission).catch(() => undefined);
  }

  /** Hands a message back to the governor for a new slot under every quota, not before `notBefore` (Redis time) when given. */
  private async reslot(claimed: ClaimedJob, notBefore?: number): Promise<void> {
    const { message } = claimed.job;
    // A back-off of an earlier hand-back does not carry over.
    const { notBefore: _stale, ...rest } = message;
    await this.producer.publish(Topic.SmsSubmitted, [{ ...rest, reslotted: (message.reslotted ?? 0) + 1, ...(notBefore ? { notBefore } : {}) }]);
    await this.acks.add(claimed);
  }

  /**
   * Runs a write that records what the carrier has already accepted. Postgres away (a
   * restart, a failover) must not make the message go out again: the write is tried again,
   * the job's lease pushed on each time so no dispatcher claims it meanwhile, until it lands
   * or the process stops (then the lease runs out and the parts recorded so far are not sent again).
   */
  private async recorded<T>(claimed: ClaimedJob, write: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries += 1) {
      try {
        return await write();
      } catch (error: unknown) {
        if (this.stopping) throw error;
        this.recordRetries.inc();
        if (tries === 1 || tries % 10 === 0) {
          this.logger.warn({ err: error, messageUuid: claimed.job.message.messageUuid, tries }, 'recording what the carrier accepted failed; trying again, the job stays leased');
        }
        await this.schedule.extend(claimed, this.config.SCHEDULE_LEASE_MS).catch(() => false);
        await sleep(Math.min(RECORD_RETRY.maxMs, RECORD_RETRY.initialMs * 2 ** (tries - 1)));
      }
    }
  }

  /** `sent` (with the carrier's MCC/MNC when known), then whatever receipts were recorded before the message got there. */
  private async markSent(claimed: ClaimedJob, carrierMessageId: string, sentAt: Date): Promise<void> {
    const carrier = claimed.job.carrier ? CARRIERS[claimed.job.carrier] : undefined;
    await this.finish(claimed, MessageState.Sent, MessageErrorCode.Ok, { carrierMessageId, sentAt, ...(carrier ? { mcc: carrier.mcc, mnc: carrier.mnc } : {}) });
    await this.receipts.settleRecorded(claimed.job.message.messageUuid);
  }

  private async finish(claimed: ClaimedJob, state: MessageState, errorCode: MessageErrorCode, patch: TransitionPatch): Promise<void> {
    const applied = await this.transitions.apply(claimed.job.message.messageUuid, state, errorCode, patch);
    await this.acks.add(claimed);
    await this.outbox.publishApplied(applied);
  }
}

function errorCodeFor(commandStatus: number): MessageErrorCode {
  switch (commandStatus) {
    case 0x0b /* ESME_RINVDSTADR */:
      return MessageErrorCode.InvalidDestination;
    case 0x0a /* ESME_RINVSRCADR */:
      return MessageErrorCode.InvalidSource;
    case 0x01 /* ESME_RINVMSGLEN */:
      return MessageErrorCode.TooLong;
    case 0x08 /* ESME_RSYSERR */:
      return MessageErrorCode.Network;
    default:
      return MessageErrorCode.ProhibitedByCarrier;
  }
}

/** The 8-bit concatenation reference of a message: the last byte of its uuid (random in a v4 uuid). */
export function concatenationReference(messageUuid: string): number {
  return Number.parseInt(messageUuid.slice(-2), 16);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The text to submit: the payload's own, or its sealed content opened with the key on the row (null if it cannot be). */
function contentText(message: DispatchJob['message'], contentKey: Buffer | null): string | null {
  if (message.sealedContent === undefined) return message.text;
  return contentKey ? (openContent(message.sealedContent, contentKey)?.text ?? null) : null;
}
