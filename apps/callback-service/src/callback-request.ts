// Builds Plivo's status callback parameters for one status change of a message.
import { CallbackMethod, SmsStatusPayload } from '@sluice/contracts';
import type { MessageEntity } from '@sluice/persistence';

function plivoTime(date: Date | null): string {
  return date ? date.toISOString().replace('T', ' ').replace('Z', '+00:00') : '';
}

export function callbackParams(message: MessageEntity, event: SmsStatusPayload): Record<string, string> {
  return {
    From: message.fromNumber,
    To: message.toNumber,
    MessageUUID: message.messageUuid,
    Status: event.state,
    Units: String(message.units),
    TotalRate: Number(message.totalRate).toFixed(5),
    TotalAmount: Number(message.totalAmount).toFixed(5),
    ErrorCode: event.errorCode,
    MCC: message.mcc ?? '',
    MNC: message.mnc ?? '',
    Type: message.messageType,
    Sequence: String(event.sequence),
    MessageTime: plivoTime(message.messageTime),
    QueuedTime: plivoTime(message.queuedAt),
    SentTime: plivoTime(message.sentAt),
    DeliveryReportTime: plivoTime(message.deliveryReportAt),
    ParentMessageUUID: message.messageUuid,
    PartInfo: '',
    PowerpackUUID: '',
  };
}

export interface HttpCallback {
  readonly url: string;
  readonly init: RequestInit;
}

/** POST sends the fields form-encoded; GET sends them as query parameters. */
export function buildCallback(url: string, method: string, params: Record<string, string>): HttpCallback {
  const body = new URLSearchParams(params);
  if (method === CallbackMethod.Get) {
    const target = new URL(url);
    for (const [key, value] of body) target.searchParams.append(key, value);
    return { url: target.toString(), init: { method: 'GET', redirect: 'manual' } };
  }
  return {
    url,
    init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString(), redirect: 'manual' },
  };
}
