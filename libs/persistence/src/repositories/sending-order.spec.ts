import { MessageErrorCode, MessageState, MessageType } from '@sluice/contracts';
import { CallbackKind } from '../entities';
import { ClaimedDelivery, inSendingOrder } from './callback-delivery.repository';

function delivery(messageUuid: string, sequence: number, occurredAt: number): ClaimedDelivery {
  const at = new Date(occurredAt);
  return {
    id: null,
    kind: CallbackKind.Status,
    claims: 0,
    messageUuid,
    sequence,
    accountId: 'MA0123456789ABCDEFGH',
    status: MessageState.Sent,
    errorCode: MessageErrorCode.Ok,
    occurredAt: at,
    url: 'https://example.com/cb',
    method: 'POST',
    destination: 'https://example.com',
    retryDelaysMs: [],
    attempts: 0,
    message: {
      fromNumber: '14155550100',
      toNumber: '12025550100',
      messageType: MessageType.Sms,
      units: 1,
      totalRate: '0.00100',
      totalAmount: '0.00100',
      mcc: null,
      mnc: null,
      messageTime: at,
      queuedAt: at,
      sentAt: null,
      deliveryReportAt: null,
      powerpackUuid: null,
    },
    authTokenEncrypted: null,
    inbound: null,
    contentKey: null,
  };
}

const keys = (deliveries: readonly ClaimedDelivery[]): string[] => deliveries.map((d) => `${d.messageUuid}:${d.sequence}`);

describe('inSendingOrder', () => {
  it('puts a message’s statuses in sequence order when they share a millisecond, whatever order the rows came in', () => {
    expect(keys(inSendingOrder([delivery('m', 3, 1_000), delivery('m', 2, 1_000), delivery('m', 1, 999)]))).toEqual(['m:1', 'm:2', 'm:3']);
  });

  it('puts them in sequence order even when a later status carries an earlier time', () => {
    expect(keys(inSendingOrder([delivery('m', 2, 1_005), delivery('m', 3, 1_004)]))).toEqual(['m:2', 'm:3']);
  });

  it('sends the message whose oldest status is older first, and keeps each message’s statuses together', () => {
    const rows = [delivery('b', 1, 1_001), delivery('a', 2, 1_003), delivery('a', 1, 1_000), delivery('b', 2, 1_002)];
    expect(keys(inSendingOrder(rows))).toEqual(['a:1', 'a:2', 'b:1', 'b:2']);
  });

  it('orders messages of the same time by uuid, so the answer does not depend on the input order', () => {
    expect(keys(inSendingOrder([delivery('b', 1, 1_000), delivery('a', 1, 1_000)]))).toEqual(['a:1', 'b:1']);
    expect(keys(inSendingOrder([delivery('a', 1, 1_000), delivery('b', 1, 1_000)]))).toEqual(['a:1', 'b:1']);
  });
});
