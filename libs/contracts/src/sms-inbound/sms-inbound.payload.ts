import type { MessageType } from '../message';

/** What an inbound text asks for, from its keywords (Plivo's `MessageIntent`). */
export const MessageIntent = { OptOut: 'optout', OptIn: 'optin', Help: 'help' } as const;
export type MessageIntent = (typeof MessageIntent)[keyof typeof MessageIntent];

/**
 * One inbound (mobile-originated) message, stored as `received` and handed from
 * carrier-dispatch to the callback-service, which posts it to the Message URL of the
 * Application its number is assigned to. Concatenated parts are joined before this.
 */
export interface SmsInboundPayload {
  readonly messageUuid: string;
  /** The (sub)account that owns the `to` number (the topic key). */
  readonly accountId: string;
  /** The Application the number is assigned to when the message arrived, or null. */
  readonly appId: string | null;
  /** The mobile sender and Sluice's number, E.164 without the plus. */
  readonly from: string;
  readonly to: string;
  readonly type: MessageType;
  /** Empty when the content is sealed. */
  readonly text: string;
  /**
   * Text and media URLs sealed with a key of this message only (see `sealContent` in
   * @sluice/domain), when the Application's `log_incoming_messages` is false: the key is on
   * the message row until the message leaves `received`.
   */
  readonly sealedContent?: string;
  /** Empty when the content is sealed. */
  readonly mediaUrls: readonly string[];
  readonly units: number;
  /** Price per unit and in all, from the rate card's inbound price (5 decimals). */
  readonly totalRate: string;
  readonly totalAmount: string;
  readonly intent: MessageIntent | null;
  readonly powerpackUuid: string | null;
  /** Epoch milliseconds at which the last part reached Sluice. */
  readonly receivedAt: number;
}
