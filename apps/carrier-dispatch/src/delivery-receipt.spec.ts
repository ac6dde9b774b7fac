import { MessageErrorCode, MessageState, must } from '@sluice/contracts';
import { parseReceipt, receiptOutcome } from './delivery-receipt';

describe('delivery receipts', () => {
  it('parses the standard receipt text', () => {
    const receipt = parseReceipt('id:0A1B2C sub:001 dlvrd:001 submit date:2611221830 done date:2611221830 stat:DELIVRD err:000 text:');
    expect(receipt).toEqual({ carrierMessageId: '0A1B2C', stat: 'DELIVRD', err: '000' });
    expect(receiptOutcome(must(receipt, 'a parsed receipt'))).toEqual({ state: MessageState.Delivered, errorCode: MessageErrorCode.Ok });
  });

  it('prefers the receipted_message_id TLV', () => {
    expect(parseReceipt('id:short stat:UNDELIV err:001', 'full-id')?.carrierMessageId).toBe('full-id');
  });

  it('maps failures to undelivered and ignores intermediate states', () => {
    expect(receiptOutcome({ carrierMessageId: 'x', stat: 'UNDELIV', err: '001' })?.state).toBe(MessageState.Undelivered);
    expect(receiptOutcome({ carrierMessageId: 'x', stat: 'ENROUTE', err: '000' })).toBeNull();
  });

  it('rejects text that is not a receipt', () => {
    expect(parseReceipt('hello')).toBeNull();
  });
});
