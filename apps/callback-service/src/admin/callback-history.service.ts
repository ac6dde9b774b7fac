// The record of a message's callbacks for operators: each status owed, its state and every attempt.
import { Injectable, NotFoundException } from '@nestjs/common';
import { CallbackDeliveryRepository, MessageRepository } from '@sluice/persistence';

export interface CallbackAttemptView {
  readonly attempt: number;
  readonly attempted_at: string;
  readonly http_status: number | null;
  readonly latency_ms: number;
  readonly error: string | null;
  readonly succeeded: boolean;
  /** Inbound deliveries answered with Message XML: the messages sent from it, and what could not be sent. */
  readonly reply?: { readonly message_uuids: readonly string[]; readonly error: string | null };
}

export interface CallbackDeliveryView {
  /** `status` (a status callback to the send's url) or `inbound` (the message to its Application's Message URL). */
  readonly kind: string;
  readonly sequence: number;
  readonly status: string;
  readonly error_code: string;
  readonly occurred_at: string;
  readonly url: string;
  readonly method: string;
  /** `pending`, `delivered`, `exhausted` or `refused`. */
  readonly state: string;
  readonly next_attempt_at: string | null;
  readonly finished_at: string | null;
  readonly attempts: CallbackAttemptView[];
}

export interface CallbackHistoryView {
  readonly message_uuid: string;
  readonly account_id: string;
  readonly deliveries: CallbackDeliveryView[];
}

@Injectable()
export class CallbackHistoryService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly deliveries: CallbackDeliveryRepository,
  ) {}

  async forMessage(messageUuid: string): Promise<CallbackHistoryView> {
    const message = await this.messages.findOne(messageUuid);
    if (!message) throw new NotFoundException({ error: 'message not found' });
    const { deliveries, attempts } = await this.deliveries.history(messageUuid);
    return {
      message_uuid: messageUuid,
      account_id: message.accountId,
      deliveries: deliveries.map((d) => ({
        kind: d.kind,
        sequence: d.sequence,
        status: d.status,
        error_code: d.errorCode,
        occurred_at: d.occurredAt.toISOString(),
        url: d.url,
        method: d.method,
        state: d.state,
        next_attempt_at: d.nextAttemptAt?.toISOString() ?? null,
        finished_at: d.finishedAt?.toISOString() ?? null,
        attempts: attempts
          .filter((a) => a.sequence === d.sequence)
          .map((a) => ({
            attempt: a.attempt,
            attempted_at: a.attemptedAt.toISOString(),
            http_status: a.httpStatus,
            latency_ms: a.latencyMs,
            error: a.error,
            succeeded: a.succeeded,
            ...(a.replyMessageUuids !== null || a.replyError !== null ? { reply: { message_uuids: a.replyMessageUuids ?? [], error: a.replyError } } : {}),
          })),
      })),
    };
  }
}
