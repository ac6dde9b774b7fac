import { MessageType } from '@sluice/contracts';
import fc from 'fast-check';
import { pickSender, PoolNumber } from './powerpack-sender';

const pool: PoolNumber[] = [
  { number: '14155550100', country: 'US', numberType: 'long_code' },
  { number: '14155550101', country: 'US', numberType: '10dlc' },
  { number: '14165550100', country: 'CA', numberType: 'long_code' },
  { number: '55555', country: 'CA', numberType: 'short_code' },
];

describe('pickSender', () => {
  it('prefers a number of the destination country', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^1416\d{7}$/), fc.nat(), (dst, turn) => {
        expect(['14165550100', '55555']).toContain(pickSender(pool, dst, 'CA', MessageType.Sms, true, turn));
      }),
    );
  });

  it('gives a destination the same sender every time when the pool is sticky', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^1202\d{7}$/), fc.nat(), fc.nat(), (dst, a, b) => {
        expect(pickSender(pool, dst, 'US', MessageType.Sms, true, a)).toBe(pickSender(pool, dst, 'US', MessageType.Sms, true, b));
      }),
    );
  });

  it('rotates when the pool is not sticky', () => {
    const senders = new Set([0, 1, 2, 3].map((turn) => pickSender(pool, '12025550123', 'US', MessageType.Sms, false, turn)));
    expect(senders).toEqual(new Set(['14155550100', '14155550101']));
  });

  it('never picks a Canadian short code for MMS, and falls back to any usable number', () => {
    expect(pickSender(pool, '14165550199', 'CA', MessageType.Mms, true, 0)).toBe('14165550100');
    expect(pickSender([pool[3]], '14165550199', 'CA', MessageType.Mms, true, 0)).toBeNull();
    expect(pickSender([pool[0]], '14165550199', 'CA', MessageType.Sms, true, 0)).toBe('14155550100');
  });
});
