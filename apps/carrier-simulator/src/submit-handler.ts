// submit_sm as the carrier's profile says: recorded on arrival, then accepted (with a receipt when
// asked), throttled, refused or left unanswered, after the profile's latency.
import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import * as smpp from 'smpp';
import type { PDU } from 'smpp';
import { normalizeAddress } from './address';
import { CarrierBehaviour, SubmitDecision } from './carrier-behaviour';
import { NO_RESPONSE, statusName } from './carrier-profiles';
import { Carrier, carrierFor } from './carriers';
import { DeliverQueue, PendingReceipt } from './deliver-queue';
import { messageStateFor, receiptText, wantsReceipt } from './delivery-receipt';
import { Connection, reply } from './session-registry';
import { readContent } from './short-message';
import { SimulatorMetrics } from './simulator.metrics';
import { SmscTimers } from './smsc-timers';
import { SubmissionStatus, SubmissionStore } from './submission.store';

/** With receiptBeforeResponse, the submit_sm_resp waits for the receipt's deliver_sm_resp at most this long. */
const RECEIPT_FIRST_WAIT_MS = 1_000;

@Injectable()
export class SubmitHandler {
  private readonly logger = new Logger(SubmitHandler.name);

  constructor(
    private readonly store: SubmissionStore,
    private readonly metrics: SimulatorMetrics,
    private readonly behaviour: CarrierBehaviour,
    private readonly deliveries: DeliverQueue,
    private readonly timers: SmscTimers,
  ) {}

  onSubmit(connection: Connection, pdu: PDU): void {
    const receivedAt = Date.now();
    const systemId = connection.systemId;
    if (!systemId || connection.mode === 'receiver') {
      return reply(connection, pdu, { command_status: smpp.ESME_RINVBNDSTS });
    }
    const destination = normalizeAddress(pdu.destination_addr);
    if (!destination) {
      return reply(connection, pdu, { command_status: smpp.ESME_RINVDSTADR });
    }
    const carrier = carrierFor(destination);
    const source = normalizeAddress(pdu.source_addr);
    const decision = this.behaviour.decide(carrier.id, source, receivedAt);
    const carrierMessageId = randomBytes(8).toString('hex');
    // Recorded on arrival: the store is the witness of what reached the carrier and when,
    // even if the response is then lost with the connection. Refused submissions are kept
    // too, with how they were answered, but only accepted ones count by default.
    this.store.add({
      receivedAt,
      carrierMessageId,
      systemId,
      source,
      destination,
      carrier: carrier.id,
      mcc: carrier.mcc,
      mnc: carrier.mnc,
      dataCoding: pdu.data_coding ?? 0,
      ...readContent(pdu),
      ...(decision.status === SubmissionStatus.Accepted ? {} : { status: decision.status }),
      ...('commandStatus' in decision ? { commandStatus: decision.commandStatus } : {}),
    });
    this.count(carrier, decision);
    this.logger.debug({ carrier: carrier.id, carrierMessageId, outcome: decision.status }, 'submit_sm read');

    switch (decision.status) {
      case SubmissionStatus.Throttled:
      case SubmissionStatus.Rejected:
        return this.timers.afterLatency(decision.latencyMs, () => reply(connection, pdu, { command_status: decision.commandStatus }));
      case SubmissionStatus.Unanswered:
        // The ESME hears nothing: its response timeout is what is being exercised.
        return;
      case SubmissionStatus.Accepted:
        return this.onAccepted(connection, pdu, { systemId, carrierMessageId, receivedAt, decision });
    }
  }

  private count(carrier: Carrier, decision: SubmitDecision): void {
    switch (decision.status) {
      case SubmissionStatus.Accepted:
        return this.metrics.submissions.inc({ carrier: carrier.id });
      case SubmissionStatus.Throttled:
        return this.metrics.throttled.inc({ carrier: carrier.id, per: decision.rule.per });
      case SubmissionStatus.Rejected:
        return this.metrics.errors.inc({ carrier: carrier.id, status: statusName(decision.commandStatus) });
      case SubmissionStatus.Unanswered:
        return this.metrics.errors.inc({ carrier: carrier.id, status: NO_RESPONSE });
    }
  }

  private onAccepted(
    connection: Connection,
    pdu: PDU,
    accepted: {
      readonly systemId: string;
      readonly carrierMessageId: string;
      readonly receivedAt: number;
      readonly decision: Extract<SubmitDecision, { status: 'accepted' }>;
    },
  ): void {
    const { systemId, carrierMessageId, receivedAt, decision } = accepted;
    const respond = () => reply(connection, pdu, { message_id: carrierMessageId });
    const outcome = decision.receipt;
    if (!wantsReceipt(pdu.registered_delivery ?? 0, outcome.status)) return this.timers.afterLatency(decision.latencyMs, respond);

    const first = decision.receiptBeforeResponse;
    const doneAt = receivedAt + decision.latencyMs + (first ? 0 : outcome.delayMs);
    const receipt: PendingReceipt = {
      kind: 'receipt',
      systemId,
      carrierMessageId,
      status: outcome.status,
      origin: connection,
      attempts: 0,
      pdu: {
        // The receipt travels from the handset back to the sender.
        source_addr_ton: pdu.dest_addr_ton ?? 0,
        source_addr_npi: pdu.dest_addr_npi ?? 0,
        source_addr: pdu.destination_addr ?? '',
        dest_addr_ton: pdu.source_addr_ton ?? 0,
        dest_addr_npi: pdu.source_addr_npi ?? 0,
        destination_addr: pdu.source_addr ?? '',
        esm_class: 0x04,
        data_coding: 0,
        // Given as bytes so the package sends them as they are.
        short_message: Buffer.from(
          receiptText({ carrierMessageId, status: outcome.status, err: outcome.err, submittedAt: receivedAt, doneAt }),
          'ascii',
        ),
        receipted_message_id: carrierMessageId,
        message_state: messageStateFor(outcome.status),
      },
    };
    if (!first) {
      return this.timers.afterLatency(decision.latencyMs, () => {
        respond();
        this.timers.later(outcome.delayMs, () => this.deliveries.deliver(receipt));
      });
    }
    // Receipt first: the submit_sm_resp follows once the ESME answered the deliver_sm (or
    // could not be sent it, or took too long), so the ESME sees the receipt before it knows the id.
    this.timers.afterLatency(decision.latencyMs, () => {
      let responded = false;
      const respondOnce = () => {
        if (responded) return;
        responded = true;
        respond();
      };
      receipt.onFirstAnswer = respondOnce;
      this.timers.later(RECEIPT_FIRST_WAIT_MS, respondOnce);
      this.deliveries.deliver(receipt);
    });
  }
}
