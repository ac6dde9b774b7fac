// Turns the carrier's delivery receipts into delivered / undelivered, part by part.
import { Injectable, Logger } from '@nestjs/common';
import { MessageErrorCode, MessageState } from '@sluice/contracts';
import { OutboxRelay } from '@sluice/messaging';
import { MetricsRegistry } from '@sluice/observability';
import { MessagePartRepository, MessageRepository } from '@sluice/persistence';
import { BatchedTransitions } from './batched-transitions';
import type * as smpp from 'smpp';
import { parseReceipt, receiptOutcome } from './delivery-receipt';
import type { SmppPool } from './smpp-pool';

/** A receipt can overtake the submit_sm_resp that tells us the carrier id; it is retried this long. */
const UNMATCHED_RETRY_MS = 250;
const UNMATCHED_MAX_TRIES = 40;

/**
 * A message of several parts is `delivered` when every part's receipt says delivered,
 * and `undelivered` (with that part's error) as soon as one part's receipt says it was
 * not; later receipts of the other parts change nothing.
 */
@Injectable()
export class ReceiptService {
  private readonly logger = new Logger(ReceiptService.name);
  private readonly received;

  constructor(
    private readonly messages: MessageRepository,
    private readonly parts: MessagePartRepository,
    private readonly transitions: BatchedTransitions,
    private readonly outbox: OutboxRelay,
    metrics: MetricsRegistry,
  ) {
    this.received = metrics.counter('dispatch_receipts_total', 'Delivery receipts by outcome', ['outcome']);
  }

  attach(carrier: SmppPool): void {
    carrier.on('receipt', (pdu: smpp.PDU) => {
      void this.handle(pdu).catch((error: unknown) => this.logger.error({ err: error }, 'receipt handling failed'));
    });
  }

  private async handle(pdu: smpp.PDU): Promise<void> {
    const short = pdu.short_message;
    const text = typeof short === 'string' ? short : short && 'message' in short && typeof short.message === 'string' ? short.message : '';
    const receipt = parseReceipt(text, pdu.receipted_message_id);
    if (!receipt) {
      this.received.inc({ outcome: 'not_a_receipt' });
      return;
    }
    const outcome = receiptOutcome(receipt);
    if (!outcome) {
      this.received.inc({ outcome: 'intermediate' });
      return;
    }
    for (let attempt = 1; attempt <= UNMATCHED_MAX_TRIES; attempt += 1) {
      const standing = await this.parts.recordReceipt(receipt.carrierMessageId, outcome.state, outcome.errorCode);
      const state = standing ? (await this.messages.statesOf([standing.messageUuid])).get(standing.messageUuid) : undefined;
      // The part is recorded when the carrier accepts it, the message turns `sent` after its last part: wait for both.
      if (standing && state !== undefined && state !== MessageState.Queued) {
        const next = standing.firstFailure
          ? { state: standing.firstFailure.state, errorCode: standing.firstFailure.errorCode }
          : standing.delivered === standing.partsTotal
            ? { state: MessageState.Delivered, errorCode: MessageErrorCode.Ok }
            : null;
        if (next) {
          const applied = await this.transitions.apply(standing.messageUuid, next.state, next.errorCode, { deliveryReportAt: new Date() });
          if (applied) await this.outbox.flush([applied.outboxId]).catch(() => undefined);
          this.received.inc({ outcome: applied ? next.state : 'duplicate' });
        } else {
          this.received.inc({ outcome: 'part' });
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, UNMATCHED_RETRY_MS));
    }
    this.received.inc({ outcome: 'unmatched' });
    this.logger.warn({ carrierMessageId: receipt.carrierMessageId }, 'receipt for an unknown carrier message id');
  }
}
