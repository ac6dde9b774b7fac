import type { LogMode, MessageType, TextEncoding } from '../message';

/**
 * One accepted outbound message, handed from the api-gateway to the rate-governor.
 * It carries the text because `log=false` forbids keeping it in Postgres.
 */
export interface SmsSubmittedPayload {
  readonly messageUuid: string;
  /** Auth id of the account that sent it (the topic key). */
  readonly accountId: string;
  readonly type: MessageType;
  /** Sender and destination in E.164 without the plus, as in Plivo records. */
  readonly src: string;
  readonly dst: string;
  readonly text: string;
  readonly encoding: TextEncoding;
  readonly units: number;
  readonly mediaUrls: readonly string[];
  readonly log: LogMode;
  /** Epoch milliseconds at which the gateway accepted the message. */
  readonly acceptedAt: number;
  /** `message_expiry` in seconds. */
  readonly messageExpiry: number;
  /**
   * Times carrier-dispatch handed it back for a new slot (the carrier throttled it, or it
   * was claimed too late to keep its slot). A re-slotted message books throughput again
   * but is not counted twice against daily caps.
   */
  readonly reslotted?: number;
  /** Epoch ms before which a re-slotted message must not be booked (a throttled carrier's back-off). */
  readonly notBefore?: number;
}
