// Takes due messages from the schedule, checks expiry and state, submits them to the carrier, records the outcome.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DispatchJob, MessageErrorCode, MessageState, TextEncoding } from '@sluice/contracts';
import { DispatchSchedule, OutboxRelay, REDIS } from '@sluice/messaging';
import { MetricsRegistry, ReadinessRegistry } from '@sluice/observability';
import { MessageRepository } from '@sluice/persistence';
import type Redis from 'ioredis';
import * as smpp from 'smpp';
import { DISPATCH_CONFIG, DispatchConfig } from './dispatch.config';
import { SmppClient, SmppTimeoutError, SmppUnavailableError } from './smpp-client';
import { ReceiptService } from './receipt.service';

/** SMPP statuses that mean "slow down, try again later". */
const THROTTLED = new Set([0x58 /* ESME_RTHROTTLED */, 0x14 /* ESME_RMSGQFUL */]);
const THROTTLE_BACKOFF_MS = 1_000;
const MAX_TIMEOUT_RETRIES = 3;

@Injectable()
export class DispatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DispatchService.name);
  private readonly schedule: DispatchSchedule;
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly outcomes;

  constructor(
    @Inject(DISPATCH_CONFIG) private readonly config: DispatchConfig,
    @Inject(REDIS) redis: Redis,
    private readonly smppClient: SmppClient,
    private readonly messages: MessageRepository,
    private readonly outbox: OutboxRelay,
    receipts: ReceiptService,
    readiness: ReadinessRegistry,
    metrics: MetricsRegistry,
  ) {
    this.schedule = new DispatchSchedule(redis);
    this.outcomes = metrics.counter('dispatch_outcomes_total', 'Dispatch attempts by outcome', ['outcome']);
    readiness.register('carrier', async () => {
      if (!this.smppClient.isBound()) throw new Error('not bound to the carrier');
    });
    receipts.attach(this.smppClient);
  }

  onApplicationBootstrap(): void {
    this.smppClient.start();
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming, lets submits in flight finish within the shutdown bound, and hands the rest back. */
  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
    const drained = Promise.allSettled([...this.inFlight]);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, this.config.SHUTDOWN_TIMEOUT_MS))]);
    await this.smppClient.stop();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const free = this.config.SMPP_WINDOW - this.inFlight.size;
        if (!this.smppClient.isBound() || free <= 0) {
          await sleep(this.config.SCHEDULE_POLL_MS);
          continue;
        }
        const { now, jobs } = await this.schedule.claim(free, this.config.SCHEDULE_LEASE_MS);
        if (jobs.length === 0) {
          const wait = await this.schedule.msUntilNextDue();
          await sleep(Math.min(wait ?? this.config.SCHEDULE_POLL_MS, this.config.SCHEDULE_POLL_MS));
          continue;
        }
        const states = await this.messages.statesOf(jobs.map((j) => j.message.messageUuid));
        for (const job of jobs) {
          const task = this.dispatch(job, now, states.get(job.message.messageUuid)).finally(() => this.inFlight.delete(task));
          this.inFlight.add(task);
        }
      } catch (error: unknown) {
        this.logger.error({ err: error }, 'dispatch loop error; retrying');
        await sleep(500);
      }
    }
  }

  private async dispatch(job: DispatchJob, now: number, state: MessageState | undefined): Promise<void> {
    const { message } = job;
    try {
      if (state !== MessageState.Queued) {
        // Already submitted (a redelivery after a crash) or never committed by the gateway: nothing to send.
        this.outcomes.inc({ outcome: state === undefined ? 'no_record' : 'already_processed' });
        await this.schedule.ack([message.messageUuid]);
        return;
      }
      if (now - message.acceptedAt > message.messageExpiry * 1_000) {
        await this.finish(message.messageUuid, MessageState.Failed, MessageErrorCode.Expired, { zeroCharge: true });
        this.outcomes.inc({ outcome: 'expired' });
        return;
      }
      const result = await this.submitWithRetry(job);
      if (result.commandStatus === smpp.ESME_ROK && result.messageId) {
        await this.finish(message.messageUuid, MessageState.Sent, MessageErrorCode.Ok, { carrierMessageId: result.messageId, sentAt: new Date() });
        this.outcomes.inc({ outcome: 'sent' });
      } else if (THROTTLED.has(result.commandStatus)) {
        await this.schedule.put({ ...job, dueAt: now + THROTTLE_BACKOFF_MS, attempts: job.attempts + 1 });
        this.outcomes.inc({ outcome: 'throttled' });
      } else {
        await this.finish(message.messageUuid, MessageState.Failed, errorCodeFor(result.commandStatus), { zeroCharge: true });
        this.outcomes.inc({ outcome: 'refused' });
      }
    } catch (error: unknown) {
      if (error instanceof SmppUnavailableError) {
        // Not submitted: back to the schedule for whichever dispatcher is bound.
        await this.schedule.put({ ...job, dueAt: now }).catch(() => undefined);
        this.outcomes.inc({ outcome: 'unavailable' });
        return;
      }
      if (error instanceof SmppTimeoutError) {
        await this.finish(message.messageUuid, MessageState.Failed, MessageErrorCode.Network, { zeroCharge: true }).catch(() => undefined);
        this.outcomes.inc({ outcome: 'timeout' });
        return;
      }
      // Postgres or Redis trouble: the lease expires and the job becomes due again.
      this.logger.error({ err: error, messageUuid: message.messageUuid }, 'dispatch failed; the job will be retried');
    }
  }

  private async submitWithRetry(job: DispatchJob) {
    const { message } = job;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.smppClient.submit({
          source_addr_ton: message.src.length <= 6 ? 3 : 1,
          source_addr_npi: 1,
          source_addr: message.src,
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: message.dst,
          registered_delivery: this.config.REQUEST_RECEIPTS ? 1 : 0,
          data_coding: message.encoding === TextEncoding.Ucs2 ? 8 : 0,
          // One submit carries the whole text; the carrier splits it into `units` parts.
          ...(message.units > 1 ? { message_payload: message.text } : { short_message: message.text }),
        });
      } catch (error: unknown) {
        if (!(error instanceof SmppTimeoutError) || attempt >= MAX_TIMEOUT_RETRIES) throw error;
      }
    }
  }

  private async finish(
    messageUuid: string,
    state: MessageState,
    errorCode: MessageErrorCode,
    patch: Parameters<MessageRepository['transition']>[3],
  ): Promise<void> {
    const applied = await this.messages.transition(messageUuid, state, errorCode, patch);
    await this.schedule.ack([messageUuid]);
    if (applied) await this.outbox.flush([applied.outboxId]).catch(() => undefined);
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
    default:
      return MessageErrorCode.ProhibitedByCarrier;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
