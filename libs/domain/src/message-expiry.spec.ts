import { LONGEST_MESSAGE_EXPIRY_SECONDS, MESSAGE_EXPIRY, messageExpiryDeadline } from './message-expiry';

describe('message expiry', () => {
  it('ends message_expiry seconds after acceptance', () => {
    expect(messageExpiryDeadline(1_700_000_000_000, 5)).toBe(1_700_000_005_000);
    expect(messageExpiryDeadline(0, MESSAGE_EXPIRY.default)).toBe(10_800_000);
  });

  it('has passed for every message LONGEST_MESSAGE_EXPIRY_SECONDS after acceptance, the default included', () => {
    expect(LONGEST_MESSAGE_EXPIRY_SECONDS).toBe(10_800);
    expect(LONGEST_MESSAGE_EXPIRY_SECONDS).toBeGreaterThanOrEqual(MESSAGE_EXPIRY.max);
  });
});
