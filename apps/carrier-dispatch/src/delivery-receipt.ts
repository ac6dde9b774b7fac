// Parses the SMPP delivery receipt text: `id:... sub:... dlvrd:... submit date:... done date:... stat:DELIVRD err:000 text:...`.
import { MessageErrorCode, MessageState } from '@sluice/contracts';

export interface DeliveryReceipt {
  readonly carrierMessageId: string;
  readonly stat: string;
  readonly err: string;
}

export function parseReceipt(text: string, receiptedMessageId?: string): DeliveryReceipt | null {
  const id = receiptedMessageId ?? /(?:^|\s)id:(\S+)/i.exec(text)?.[1];
  const stat = /(?:^|\s)stat:(\S+)/i.exec(text)?.[1];
  if (!id || !stat) return null;
  return { carrierMessageId: id, stat: stat.toUpperCase(), err: /(?:^|\s)err:(\S+)/i.exec(text)?.[1] ?? '000' };
}

/** The final state a receipt means, or null for an intermediate receipt (ENROUTE, ACCEPTD). */
export function receiptOutcome(receipt: DeliveryReceipt): { state: MessageState; errorCode: MessageErrorCode } | null {
  switch (receipt.stat) {
    case 'DELIVRD':
      return { state: MessageState.Delivered, errorCode: MessageErrorCode.Ok };
    case 'EXPIRED':
      return { state: MessageState.Undelivered, errorCode: MessageErrorCode.DestinationTemporarilyUnavailable };
    case 'REJECTD':
      return { state: MessageState.Undelivered, errorCode: MessageErrorCode.ProhibitedByCarrier };
    case 'UNDELIV':
    case 'DELETED':
    case 'UNKNOWN':
      return { state: MessageState.Undelivered, errorCode: MessageErrorCode.DestinationPermanentlyUnavailable };
    default:
      return null;
  }
}
