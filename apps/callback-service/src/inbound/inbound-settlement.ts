// What a finished delivery to the Message URL makes of the inbound message.
import { MessageErrorCode, MessageState } from '@sluice/contracts';
import { CallbackDeliveryState, DeliveryNext, DeliveryResult } from '@sluice/persistence';

/**
 * `delivered` on a 2xx; `undelivered` otherwise: 80 (destination temporarily unavailable)
 * when the retries ran out on timeouts, 5xx and the like, 70 (permanently unavailable) when
 * the Message URL refused it (4xx) or may not be called. Nothing while it is still pending.
 */
export function inboundSettlement(messageUuid: string, next: DeliveryNext): DeliveryResult['settle'] {
  switch (next.state) {
    case CallbackDeliveryState.Pending:
      return undefined;
    case CallbackDeliveryState.Delivered:
      return { messageUuid, state: MessageState.Delivered, errorCode: MessageErrorCode.Ok };
    case CallbackDeliveryState.Exhausted:
      return { messageUuid, state: MessageState.Undelivered, errorCode: MessageErrorCode.DestinationTemporarilyUnavailable };
    case CallbackDeliveryState.Refused:
      return { messageUuid, state: MessageState.Undelivered, errorCode: MessageErrorCode.DestinationPermanentlyUnavailable };
  }
}
