import type { LogMode, MessageType, TextEncoding } from '../message';

/**
 * One accepted outbound message, handed from the api-gateway to the rate-governor.
 * It carries the content, which Postgres may not hold (`log`); when `log` forbids keeping
 * the content at rest, the content travels sealed (`sealedContent`) instead.
 */
export interface SmsSubmittedPayload {
  readonly messageUuid: string;
  /** Auth id of the account that sent it (the topic key). */
  readonly accountId: string;
  readonly type: MessageType;
  /** Sender and destination in E.164 without the plus, as in Plivo records. */
  readonly src: string;
  readonly dst: string;
  /** Empty when the content is sealed. */
  readonly text: string;
  /**
   * Text and media URLs encrypted with a key of this message only (`v1.<base64>`), for
   * messages whose `log` mode does not keep content. The key is on the message row until
   * the message leaves `queued`, then erased: every copy in Kafka or Redis is unreadable
   * from then on.
   */
  readonly sealedContent?: string;
  readonly encoding: TextEncoding;
  readonly units: number;
  /** Empty when the content is sealed. */
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
  /**
   * Set when the rate-governor's reconciler published the message again because it was
   * `queued` with no entry on the dispatch schedule (Redis lost it, or a hand-back was
   * lost): the epoch ms of that decision, unique per re-governing. Such a record books a
   * new slot, is not counted again against daily caps, and only restores a missing
   * schedule entry, never replacing one.
   */
  readonly regoverned?: number;
}
