import type { CallbackMethod, MessageErrorCode, MessageState, MessageType } from '../message';

/**
 * The fields of a message's record that a state change may set, as that change left them:
 * with the fields fixed at acceptance, what the status callback reports.
 */
export interface StatusRecordFields {
  /** Decimal strings, as Postgres keeps them (a failure that is not charged sets both to 0). */
  readonly totalRate: string;
  readonly totalAmount: string;
  readonly mcc: string | null;
  readonly mnc: string | null;
  /** Epoch milliseconds. */
  readonly sentAt: number | null;
  readonly deliveryReportAt: number | null;
}

/**
 * What a message's status callbacks carry that is fixed at acceptance, as stored (`from` and
 * `to` already reduced to what the message's `log` mode keeps). The message's time and its
 * queued time are its acceptance: the `occurredAt` of its first status.
 */
export interface AcceptedMessageFields {
  /** Null when the message has no callback url. */
  readonly callbackUrl: string | null;
  readonly callbackMethod: CallbackMethod;
  readonly from: string;
  readonly to: string;
  readonly type: MessageType;
  readonly units: number;
  readonly powerpackUuid: string | null;
}

/** One state change of one message; `sequence` orders the changes of a message. */
export interface SmsStatusPayload {
  readonly messageUuid: string;
  readonly accountId: string;
  readonly state: MessageState;
  readonly errorCode: MessageErrorCode;
  readonly sequence: number;
  /** Epoch milliseconds of the transition. */
  readonly occurredAt: number;
  /**
   * Set on the copy a writer publishes right after its commit, at acceptance and at every
   * transition; null or absent on the copies the outbox sweep publishes and on events
   * written before the field existed (their readers look the record up).
   */
  readonly record?: StatusRecordFields | null;
  /**
   * Set on the statuses written at acceptance as the writer publishes them, once, right
   * after its commit; null or absent on every other copy (the outbox sweep's) and every later
   * status. A reader may take an event that has it as the message's first appearance.
   */
  readonly accepted?: AcceptedMessageFields | null;
}
