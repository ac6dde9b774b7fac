// The deliver_sm the simulated SMSC owes its ESMEs (delivery receipts, mobile-originated messages):
// sent on a session that takes them, retried when refused, sent again when their session closes
// unanswered, and held until one binds.
import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import * as smpp from 'smpp';
import type { PDU, PduOptions } from 'smpp';
import { MobileOriginated, mobileOriginatedPdus } from './mobile-originated';
import { Connection, SessionRegistry, writeTogether } from './session-registry';
import { SimulatorMetrics } from './simulator.metrics';
import { SmscTimers } from './smsc-timers';
import { ReceiptStatus, SubmissionStore } from './submission.store';

/** A receipt the ESME answered with an error is tried again after this long, this many times in all. */
const RECEIPT_RETRY_MS = 1_000;
const MAX_RECEIPT_ATTEMPTS = 5;
/** Receipts waiting for a receiver to bind; past this the oldest are dropped, like a real SMSC's store would. */
const MAX_PENDING_RECEIPTS = 100_000;

/** A deliver_sm the SMSC owes an ESME: a delivery receipt, or a mobile-originated message. */
export type PendingDelivery = PendingReceipt | PendingMobileOriginated;

interface DeliveryBase {
  readonly systemId: string;
  /** The session that should get it while it can (the one the message came in on, or the one MO picked). */
  readonly origin: Connection;
  /** Options of the deliver_sm; a fresh PDU is built per attempt so each gets its own sequence number. */
  readonly pdu: PduOptions;
  attempts: number;
  /** Called once, when the first attempt is answered or cannot be written (receiptBeforeResponse). */
  onFirstAnswer?: () => void;
}

export interface PendingReceipt extends DeliveryBase {
  readonly kind: 'receipt';
  readonly carrierMessageId: string;
  readonly status: ReceiptStatus;
}

interface PendingMobileOriginated extends DeliveryBase {
  readonly kind: 'mo';
  readonly moId: string;
}

/** A mobile-originated message to inject, and how long to wait between its parts. */
export interface MobileOriginatedInjection extends MobileOriginated {
  readonly intervalMs?: number;
}

@Injectable()
export class DeliverQueue {
  private readonly logger = new Logger(DeliverQueue.name);
  private readonly pending = new Map<string, PendingDelivery[]>();
  private pendingCount = 0;
  private stopping = false;

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly timers: SmscTimers,
    private readonly store: SubmissionStore,
    private readonly metrics: SimulatorMetrics,
  ) {}

  /** Shutting down: nothing more is sent. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * Sends a mobile-originated message (deliver_sm, esm_class 0), or each of its parts in the
   * order asked (`intervalMs` apart), to a bound receiver or transceiver, taking turns between
   * them part by part; undefined when none is bound. Like a receipt, each is sent again on
   * another session if unanswered when its session closes, and retried when the ESME answers
   * with an error. A request that cannot be built throws MoRequestError before anything is sent.
   */
  sendMobileOriginated(mo: MobileOriginatedInjection): { readonly id: string; readonly systemId: string; readonly parts: number } | undefined {
    const pdus = mobileOriginatedPdus(mo);
    const first = this.sessions.nextMoSession(mo.systemId);
    if (!first) return undefined;
    const id = randomBytes(8).toString('hex');
    pdus.forEach((pdu, index) => {
      const send = (): void => {
        // A session gone by then: the part waits for one of the first part's system_id, as receipts do.
        const target = index === 0 ? first : (this.sessions.nextMoSession(mo.systemId) ?? first);
        this.deliver({ kind: 'mo', moId: id, systemId: target.systemId, origin: target.connection, attempts: 0, pdu });
      };
      if (index === 0 || !mo.intervalMs) send();
      else this.timers.later(index * mo.intervalMs, send);
    });
    this.logger.debug({ moId: id, systemId: first.systemId, parts: pdus.length }, 'mobile-originated message sent');
    return { id, systemId: first.systemId, parts: pdus.length };
  }

  deliver(delivery: PendingDelivery): void {
    if (this.stopping) return;
    // A session can die before its 'close' is handled: the next one that takes the PDU gets it.
    const target = this.sessions.receiversFor(delivery.origin, delivery.systemId).find((connection) => {
      const pdu = new smpp.PDU('deliver_sm', delivery.pdu);
      writeTogether(connection.session);
      const written = connection.session.send(pdu, (resp) => this.onDeliveryAnswer(connection, pdu.sequence_number, resp));
      if (written) connection.inflight.set(pdu.sequence_number, delivery);
      return written;
    });
    if (!target) return this.hold(delivery);
    if (delivery.kind === 'mo') return this.metrics.mobileOriginated.inc();
    this.store.recordReceipt(delivery.carrierMessageId, { status: delivery.status, sentAt: Date.now() });
    this.metrics.receipts.inc({ status: delivery.status });
  }

  /** Sends what waits for `systemId` now that an ESME bound with it to receive. */
  flushPending(systemId: string): void {
    const queue = this.pending.get(systemId);
    if (!queue) return;
    this.pending.delete(systemId);
    this.pendingCount -= queue.length;
    for (const delivery of queue) this.deliver(delivery);
  }

  /** Deliveries the ESME never acknowledged on a closed session go out again on another session (or wait for one). */
  redeliverUnanswered(connection: Connection): void {
    const unanswered = [...connection.inflight.values()];
    connection.inflight.clear();
    for (const delivery of unanswered) this.deliver(delivery);
  }

  private onDeliveryAnswer(connection: Connection, sequenceNumber: number, resp: PDU): void {
    const delivery = connection.inflight.get(sequenceNumber);
    if (!delivery) return;
    connection.inflight.delete(sequenceNumber);
    firstAnswer(delivery);
    if (resp.command_status === smpp.ESME_ROK) return;
    if (delivery.attempts >= MAX_RECEIPT_ATTEMPTS) {
      this.logger.warn(
        {
          kind: delivery.kind,
          id: delivery.kind === 'mo' ? delivery.moId : delivery.carrierMessageId,
          commandStatus: resp.command_status,
          attempts: delivery.attempts,
        },
        'deliver_sm refused by the ESME; giving up',
      );
      return;
    }
    this.timers.later(RECEIPT_RETRY_MS, () => this.deliver(delivery));
  }

  /** Keeps a deliver_sm until an ESME of its system_id binds to receive it, as an SMSC's store-and-forward would. */
  private hold(delivery: PendingDelivery): void {
    // Nothing can answer it now: a submit_sm_resp waiting for it goes out at once.
    firstAnswer(delivery);
    const queue = this.pending.get(delivery.systemId) ?? [];
    queue.push(delivery);
    this.pending.set(delivery.systemId, queue);
    this.pendingCount += 1;
    if (this.pendingCount > MAX_PENDING_RECEIPTS) {
      queue.shift();
      this.pendingCount -= 1;
      this.logger.warn({ systemId: delivery.systemId, limit: MAX_PENDING_RECEIPTS }, 'pending deliveries full; oldest dropped');
    }
  }
}

function firstAnswer(delivery: PendingDelivery): void {
  const callback = delivery.onFirstAnswer;
  delivery.onFirstAnswer = undefined;
  callback?.();
}
