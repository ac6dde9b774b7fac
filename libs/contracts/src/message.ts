// Message vocabulary shared by every service: states, types, log modes and Plivo error codes.

export const MessageState = {
  Queued: 'queued',
  Sent: 'sent',
  Delivered: 'delivered',
  Undelivered: 'undelivered',
  Failed: 'failed',
  Received: 'received',
} as const;
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

export const MessageType = { Sms: 'sms', Mms: 'mms' } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const MessageDirection = { Outbound: 'outbound', Inbound: 'inbound' } as const;
export type MessageDirection = (typeof MessageDirection)[keyof typeof MessageDirection];

/** The send's `log` parameter: what may be written to Postgres at all. */
export const LogMode = {
  All: 'true',
  None: 'false',
  NumberOnly: 'number_only',
  ContentOnly: 'content_only',
} as const;
export type LogMode = (typeof LogMode)[keyof typeof LogMode];

export const CallbackMethod = { Post: 'POST', Get: 'GET' } as const;
export type CallbackMethod = (typeof CallbackMethod)[keyof typeof CallbackMethod];

export const TextEncoding = { Gsm7: 'GSM', Ucs2: 'UCS2' } as const;
export type TextEncoding = (typeof TextEncoding)[keyof typeof TextEncoding];

/**
 * Plivo message error codes (`error_code` on records and callbacks). `TMobileDailyCap`
 * is Sluice's own: T-Mobile's per-brand daily (TPD) cap was reached for the Pacific day.
 */
export const MessageErrorCode = {
  Ok: '000',
  InvalidMessage: '10',
  Network: '20',
  Spam: '30',
  InvalidSource: '40',
  InvalidDestination: '50',
  Loop: '60',
  DestinationPermanentlyUnavailable: '70',
  DestinationTemporarilyUnavailable: '80',
  NoRoute: '90',
  ProhibitedByCarrier: '100',
  TooLong: '110',
  MediaTooLarge: '120',
  OptOut: '200',
  Expired: '420',
  TMobileDailyCap: '450',
  InsufficientCredit: '900',
  Unknown: '1000',
} as const;
export type MessageErrorCode = (typeof MessageErrorCode)[keyof typeof MessageErrorCode];
