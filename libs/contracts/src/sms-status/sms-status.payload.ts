import type { MessageErrorCode, MessageState } from '../message';

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
   * Set by the transitions after acceptance; null or absent on the statuses written at
   * acceptance and on events written before the field existed (their readers look the record up).
   */
  readonly record?: StatusRecordFields | null;
}
