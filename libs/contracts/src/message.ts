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
 * Message error codes (`error_code` on records and callbacks): Plivo's, plus three of
 * Sluice's own in codes Plivo does not use. The 48x family is a daily cap: 480 the
 * brand's T-Mobile daily limit (TPD) for the Pacific day, 481 the sender number's own
 * daily limit (unregistered US long codes, 2,000 a day). 490 is the account's monthly
 * spending limit. None of them is charged.
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
  /** Geo permissions: the destination country is not allowed for the account. */
  DestinationCountryBarred: '450',
  /** Geo permissions: the country's messages-per-hour threshold was passed (action block). */
  CountryThresholdExceeded: '451',
  TMobileDailyCap: '480',
  SenderDailyCap: '481',
  MonthlySpendLimit: '490',
  InsufficientCredit: '900',
  Unknown: '1000',
} as const;
export type MessageErrorCode = (typeof MessageErrorCode)[keyof typeof MessageErrorCode];

/** What each error code means, shown as ``error_message``; one entry per code, checked by the compiler. */
export const ERROR_MESSAGES: { readonly [C in MessageErrorCode]: string } = {
  '000': '',
  '10': 'Invalid message',
  '20': 'Network error',
  '30': 'Spam detected',
  '40': 'Invalid source number',
  '50': 'Invalid destination number',
  '60': 'Loop detected',
  '70': 'Destination permanently unavailable',
  '80': 'Destination temporarily unavailable',
  '90': 'No route available',
  '100': 'Prohibited by carrier',
  '110': 'Message too long',
  '120': 'MMS message payload too large',
  '200': 'Destination number opted out',
  '420': 'Message expired',
  '450': 'Destination country barred',
  '451': 'Destination country messages-per-hour threshold exceeded',
  '480': 'T-Mobile daily message limit (TPD) reached for the brand',
  '481': 'Daily message limit of the sender number reached',
  '490': 'Monthly spending limit of the account reached',
  '900': 'Insufficient credit',
  '1000': 'Unknown error',
};
