import type { MessageErrorCode, MessageState } from '../message';

/** One state change of one message; `sequence` orders the changes of a message. */
export interface SmsStatusPayload {
  readonly messageUuid: string;
  readonly accountId: string;
  readonly state: MessageState;
  readonly errorCode: MessageErrorCode;
  readonly sequence: number;
  /** Epoch milliseconds of the transition. */
  readonly occurredAt: number;
}
