import { normalizeE164, redactNumber } from './phone-number';

describe('phone numbers', () => {
  it('normalises E.164 with or without the plus', () => {
    expect(normalizeE164('+14155550100')).toBe('14155550100');
    expect(normalizeE164(' 14155550100 ')).toBe('14155550100');
  });

  it.each(['', '+', '0123456789', '+1415555010a', '1234567', '1'.repeat(16)])('rejects %p', (input) => {
    expect(normalizeE164(input)).toBeNull();
  });

  it('redacts the last three digits the way Plivo shows them', () => {
    expect(redactNumber('12025550123')).toBe('12025550***');
  });
});
