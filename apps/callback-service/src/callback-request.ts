// Plivo's status callback for one status change of a message: its fields and the signed HTTP request that carries them.
import { CallbackMethod, MessageState } from '@sluice/contracts';
import type { ClaimedDelivery } from '@sluice/persistence';
import { NONCE_HEADER, newNonce, plivoV3Signature, SIGNATURE_HEADER } from './plivo-signature';

export const USER_AGENT = 'Sluice-Callback/1.0';

/** `2021-07-13 13:04:06.799021+00:00`: Plivo's timestamp format, in UTC (as the message API writes it). */
export function plivoTime(date: Date | null): string {
  if (!date) return '';
  // A message's callbacks repeat its times (queued, sent, delivered each carry MessageTime and QueuedTime): each is formatted once.
  const ms = date.getTime();
  let text = formattedTimes.get(ms);
  if (text === undefined) {
    const iso = date.toISOString();
    text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00`;
    if (formattedTimes.size >= MAX_FORMATTED_TIMES) formattedTimes.clear();
    formattedTimes.set(ms, text);
  }
  return text;
}

const formattedTimes = new Map<number, string>();
const MAX_FORMATTED_TIMES = 20_000;

const SENT_OR_LATER: ReadonlySet<string> = new Set([MessageState.Sent, MessageState.Delivered, MessageState.Undelivered]);
const REPORTED: ReadonlySet<string> = new Set([MessageState.Delivered, MessageState.Undelivered]);

/**
 * The fields as they stood at this status change: a `queued` callback sent late carries no
 * `SentTime`, whatever happened since. `To` is stored redacted when `log` kept no number.
 * Sluice reports a message as one part: `ParentMessageUUID` is its own uuid, `PartInfo` `1 of 1`.
 */
export function callbackParams(delivery: ClaimedDelivery): Record<string, string> {
  const { message, status } = delivery;
  return {
    From: message.fromNumber,
    To: message.toNumber,
    MessageUUID: delivery.messageUuid,
    Status: status,
    Units: String(message.units),
    TotalRate: Number(message.totalRate).toFixed(5),
    TotalAmount: Number(message.totalAmount).toFixed(5),
    ErrorCode: delivery.errorCode,
    MCC: message.mcc ?? '',
    MNC: message.mnc ?? '',
    Type: message.messageType,
    Sequence: String(delivery.sequence),
    MessageTime: plivoTime(message.messageTime),
    QueuedTime: plivoTime(message.queuedAt),
    SentTime: SENT_OR_LATER.has(status) ? plivoTime(message.sentAt) : '',
    DeliveryReportTime: REPORTED.has(status) ? plivoTime(message.deliveryReportAt) : '',
    ParentMessageUUID: delivery.messageUuid,
    PartInfo: '1 of 1',
    PowerpackUUID: message.powerpackUuid ?? '',
  };
}

export interface CallbackRequest {
  /** The url requested: the customer's, plus the fields as query parameters for GET. */
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  /** Keep the answer's body (an inbound message's Message URL may answer with Message XML). */
  readonly readBody?: boolean;
}

/**
 * POST sends the fields form-encoded; GET appends them to the url's own query, which is
 * kept as the customer wrote it. With an auth token the request carries Plivo's V3
 * signature of exactly the url and fields sent.
 */
export function buildCallbackRequest(url: URL, method: string, params: Record<string, string>, authToken: string | null): CallbackRequest {
  // A serialised url has '#' only where its fragment starts; the fragment is never sent.
  const fragment = url.href.indexOf('#');
  const href = fragment < 0 ? url.href : url.href.slice(0, fragment);
  const base = href.endsWith('?') ? href.slice(0, -1) : href;
  const encoded = new URLSearchParams(params).toString();
  const isGet = method === CallbackMethod.Get;
  // The url is parsed again only when what is requested differs from it (a GET's fields, a fragment, an empty query).
  const requestUrl = isGet ? new URL(`${base}${url.search ? '&' : '?'}${encoded}`) : base === url.href ? url : new URL(base);
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  if (!isGet) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (authToken !== null) {
    const nonce = newNonce();
    headers[SIGNATURE_HEADER] = plivoV3Signature(isGet ? 'GET' : 'POST', requestUrl.href, isGet ? {} : params, nonce, authToken);
    headers[NONCE_HEADER] = nonce;
  }
  return { url: requestUrl, method: isGet ? 'GET' : 'POST', headers, body: isGet ? null : encoded };
}
