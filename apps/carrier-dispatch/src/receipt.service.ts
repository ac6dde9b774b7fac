// Turns the carrier's delivery receipts into delivered / undelivered.
import { Injectable, Logger } from '@nestjs/common';
import { MessageState } from '@sluice/contracts';
import { OutboxRelay } from '@sluice/messaging';
import { MetricsRegistry } from '@sluice/observability';
import { MessageRepository } from '@sluice/persistence';
import type * as smpp from 'smpp';
import { parseReceipt, receiptOutcome } from './delivery-receipt';
import type { SmppClient } from './smpp-client';

/** A receipt can overtake the submit_sm_resp that tells us the carrier id; it is retried this long. */
const UNMATCHED_RETRY_MS = 250;
const UNMATCHED_MAX_TRIES = 40;

@Injectable()
export class ReceiptService {
  private readonly logger = new Logger(ReceiptService.name);
  private readonly received;

  constructor(
    private readonly messages: MessageRepository,
    private readonly outbox: OutboxRelay,
    metrics: MetricsRegistry,
  ) {
    this.received = metrics.counter('dispatch_receipts_total', 'Delivery receipts by outcome', ['outcome']);
  }

  attach(client: SmppClient): void {
    client.on('receipt', (pdu: smpp.PDU) => {
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
      const message = await this.messages.findByCarrierMessageId(receipt.carrierMessageId);
      if (message) {
        if (message.messageState !== MessageState.Sent) {
          this.received.inc({ outcome: 'duplicate' });
          return;
        }
        const applied = await this.messages.transition(message.messageUuid, outcome.state, outcome.errorCode, { deliveryReportAt: new Date() });
        if (applied) await this.outbox.flush([applied.outboxId]).catch(() => undefined);
        this.received.inc({ outcome: outcome.state });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, UNMATCHED_RETRY_MS));
    }
    this.received.inc({ outcome: 'unmatched' });
    this.logger.warn({ carrierMessageId: receipt.carrierMessageId }, 'receipt for an unknown carrier message id');
  }
}
