// Turns the carrier's delivery receipts into delivered / undelivered, part by part, without losing one.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MessageErrorCode, MessageState } from '@sluice/contracts';
import { Coalescer, OutboxRelay, PeriodicTask } from '@sluice/messaging';
import { MetricsRegistry, Supervisor } from '@sluice/observability';
import { MessagePartRepository, MessageRepository, PartReceiptOutcome, ReceiptToRecord } from '@sluice/persistence';
import { BatchedTransitions, WRITE_LINGER_MS } from './batched-transitions';
import type * as smpp from 'smpp';
import { receiptText } from './deliver-sm-content';
import { parseReceipt, receiptOutcome } from './delivery-receipt';
import { DISPATCH_CONFIG, DispatchConfig } from './dispatch.config';
import { InboundService } from './inbound.service';
import { isDeliveryReceipt } from './mobile-originated';
import type { SmppThread } from './smpp-thread';

/** The sweep leaves messages that turned `sent` this recently to the dispatcher that sent them. */
const SWEEP_SETTLED_AFTER_MS = 5_000;
/** ...and looks back this far for receipts a crash left unapplied. */
const SWEEP_LOOK_BACK_MS = 24 * 3_600_000;

/**
 * Every receipt is stored in Postgres before the carrier is answered: on its part, or, when
 * it overtook the carrier's answer to the submit, in `early_receipts` until the part is
 * recorded. A message of several parts is `delivered` when every part's receipt says
 * delivered, and `undelivered` (with that part's error) as soon as one part's receipt says
 * it was not; later receipts of the other parts change nothing. Receipts recorded while
 * the message was still `queued` are applied when it turns `sent`; a sweep applies what a
 * crash left in between.
 */
@Injectable()
export class ReceiptService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReceiptService.name);
  private readonly received;
  /** Messages that just turned `sent`, checked together for receipts recorded before that. */
  private readonly justSent: Coalescer<string, void>;
  /** Receipts arriving together: recorded by one statement, their messages' states read by one more. */
  private readonly recorded: Coalescer<ReceiptToRecord, { standing: PartReceiptOutcome; state: MessageState | undefined } | null>;
  private readonly sweeper: PeriodicTask;

  constructor(
    @Inject(DISPATCH_CONFIG) private readonly config: DispatchConfig,
    private readonly messages: MessageRepository,
    private readonly parts: MessagePartRepository,
    private readonly transitions: BatchedTransitions,
    private readonly outbox: OutboxRelay,
    private readonly inbound: InboundService,
    metrics: MetricsRegistry,
    supervisor: Supervisor,
  ) {
    this.received = metrics.counter('dispatch_receipts_total', 'Delivery receipts by outcome', ['outcome']);
    this.sweeper = new PeriodicTask('receipt-sweep', config.RECEIPT_SWEEP_MS, () => this.sweep(), supervisor);
    this.justSent = new Coalescer<string, void>(async (uuids) => {
      await this.settleMessages(uuids);
      return uuids.map(() => undefined);
    });
    this.recorded = new Coalescer(async (receipts) => {
      const standings = await this.parts.recordReceipts(receipts);
      // Read after the receipts are committed: a message still `queued` now is settled by whoever turns it `sent`.
      const states = await this.messages.statesOf([...new Set(standings.flatMap((s) => (s ? [s.messageUuid] : [])))]);
      return standings.map((standing) => (standing ? { standing, state: states.get(standing.messageUuid) } : null));
    }, 500, WRITE_LINGER_MS);
  }

  /** Takes every deliver_sm of every route: receipts here, mobile-originated messages (esm_class message type 0) to InboundService. */
  attach(carrier: SmppThread): void {
    carrier.onDeliver((pdu) => {
      if (!isDeliveryReceipt(pdu.esm_class ?? 0)) {
        return this.inbound.handle(pdu).catch((error: unknown) => {
          this.logger.error({ err: error }, 'mobile-originated message not stored; the carrier will send it again');
          throw error;
        });
      }
      return this.handle(pdu).catch((error: unknown) => {
        this.logger.error({ err: error }, 'receipt not stored; the carrier will send it again');
        throw error;
      });
    });
  }

  onApplicationBootstrap(): void {
    this.sweeper.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
  }

  /**
   * Called once a message has turned `sent`: a receipt recorded on its parts before then (one
   * that overtook the `sent` write, or reached another dispatcher) decides the message now.
   */
  settleRecorded(messageUuid: string): Promise<void> {
    return this.justSent.add(messageUuid);
  }

  /** Receipts kept before their part was recorded, and receipts a crash left unapplied. */
  async sweep(): Promise<void> {
    const touched = await this.parts.applyEarlyReceipts(this.config.EARLY_RECEIPT_TTL_MS);
    const stranded = await this.parts.sentWithReceipts(SWEEP_SETTLED_AFTER_MS, SWEEP_LOOK_BACK_MS);
    if (touched.length + stranded.length > 0) await this.settleMessages([...new Set([...touched, ...stranded])]);
  }

  private async handle(pdu: smpp.PDU): Promise<void> {
    const receipt = parseReceipt(receiptText(pdu), pdu.receipted_message_id);
    if (!receipt) {
      this.received.inc({ outcome: 'not_a_receipt' });
      return;
    }
    const outcome = receiptOutcome(receipt);
    if (!outcome) {
      this.received.inc({ outcome: 'intermediate' });
      return;
    }
    const recorded = await this.recorded.add({ carrierMessageId: receipt.carrierMessageId, state: outcome.state, errorCode: outcome.errorCode });
    if (!recorded) {
      // Kept until the part is recorded (the carrier's answer to the submit is still on its way).
      this.received.inc({ outcome: 'before_part' });
      return;
    }
    if (recorded.state === MessageState.Queued) {
      // Recorded on its part; whoever turns the message `sent` applies it then.
      this.received.inc({ outcome: 'before_sent' });
      return;
    }
    await this.settle(recorded.standing);
  }

  private async settleMessages(messageUuids: readonly string[]): Promise<void> {
    // Together, so their transitions and outbox publishes share statements.
    await Promise.all((await this.parts.standingOf(messageUuids)).map((standing) => this.settle(standing)));
  }

  /** Moves the message to what its parts' receipts decide, if they decide it yet. */
  private async settle(standing: PartReceiptOutcome): Promise<void> {
    const next = standing.firstFailure
      ? { state: standing.firstFailure.state, errorCode: standing.firstFailure.errorCode }
      : standing.delivered === standing.partsTotal
        ? { state: MessageState.Delivered, errorCode: MessageErrorCode.Ok }
        : null;
    if (!next) {
      this.received.inc({ outcome: 'part' });
      return;
    }
    const applied = await this.transitions.apply(standing.messageUuid, next.state, next.errorCode, { deliveryReportAt: new Date() });
    await this.outbox.publishApplied(applied);
    this.received.inc({ outcome: applied ? next.state : 'duplicate' });
  }
}
