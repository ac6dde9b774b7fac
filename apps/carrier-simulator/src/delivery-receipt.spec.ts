import { messageStateFor, receiptOutcome, receiptText, smppReceiptDate, wantsReceipt } from './delivery-receipt';

describe('delivery receipt', () => {
  const submittedAt = Date.UTC(2025, 0, 31, 23, 59, 30);
  const doneAt = Date.UTC(2025, 1, 1, 0, 1, 0);

  it('formats dates as YYMMDDhhmm in UTC', () => {
    expect(smppReceiptDate(submittedAt)).toBe('2501312359');
    expect(smppReceiptDate(doneAt)).toBe('2502010001');
  });

  it('writes the standard receipt text', () => {
    expect(receiptText({ carrierMessageId: '0123456789abcdef', status: 'DELIVRD', submittedAt, doneAt })).toBe(
      'id:0123456789abcdef sub:001 dlvrd:001 submit date:2501312359 done date:2502010001 stat:DELIVRD err:000 text:',
    );
    expect(receiptText({ carrierMessageId: 'ff', status: 'UNDELIV', submittedAt, doneAt })).toBe(
      'id:ff sub:001 dlvrd:000 submit date:2501312359 done date:2502010001 stat:UNDELIV err:001 text:',
    );
  });

  it('maps the stat to message_state', () => {
    expect(messageStateFor('DELIVRD')).toBe(2);
    expect(messageStateFor('UNDELIV')).toBe(5);
  });

  it('honours registered_delivery', () => {
    expect(wantsReceipt(0, 'DELIVRD')).toBe(false);
    expect(wantsReceipt(1, 'DELIVRD')).toBe(true);
    expect(wantsReceipt(1, 'UNDELIV')).toBe(true);
    expect(wantsReceipt(2, 'DELIVRD')).toBe(false);
    expect(wantsReceipt(2, 'UNDELIV')).toBe(true);
    expect(wantsReceipt(3, 'DELIVRD')).toBe(true);
    expect(wantsReceipt(3, 'UNDELIV')).toBe(false);
    // Intermediate-notification and SME-ack bits do not ask for an SMSC receipt.
    expect(wantsReceipt(0x10, 'DELIVRD')).toBe(false);
    expect(wantsReceipt(0x11, 'DELIVRD')).toBe(true);
  });

  it('decides fixed outcomes, and mixed ones by the id (about 90% delivered)', () => {
    expect(receiptOutcome('delivered', 'x')).toBe('DELIVRD');
    expect(receiptOutcome('undelivered', 'x')).toBe('UNDELIV');
    const ids = Array.from({ length: 2_000 }, (_, i) => i.toString(16).padStart(16, '0'));
    const outcomes = ids.map((id) => receiptOutcome('mixed', id));
    expect(ids.map((id) => receiptOutcome('mixed', id))).toEqual(outcomes);
    const delivered = outcomes.filter((o) => o === 'DELIVRD').length / ids.length;
    expect(delivered).toBeGreaterThan(0.87);
    expect(delivered).toBeLessThan(0.93);
  });
});

describe('receipt outcomes beyond delivered and undelivered', () => {
  const at = Date.UTC(2025, 0, 31, 12, 0);

  it('writes the stat and the err the profile chose', () => {
    expect(receiptText({ carrierMessageId: 'ab', status: 'EXPIRED', err: '004', submittedAt: at, doneAt: at })).toBe(
      'id:ab sub:001 dlvrd:000 submit date:2501311200 done date:2501311200 stat:EXPIRED err:004 text:',
    );
    expect(receiptText({ carrierMessageId: 'ab', status: 'REJECTD', submittedAt: at, doneAt: at })).toContain('stat:REJECTD err:001');
  });

  it('maps EXPIRED and REJECTD to their message_state, and counts them as failures', () => {
    expect(messageStateFor('EXPIRED')).toBe(3);
    expect(messageStateFor('REJECTD')).toBe(8);
    expect(wantsReceipt(2, 'EXPIRED')).toBe(true);
    expect(wantsReceipt(2, 'REJECTD')).toBe(true);
    expect(wantsReceipt(3, 'REJECTD')).toBe(false);
  });
});
