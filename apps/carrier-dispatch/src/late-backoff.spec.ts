import { concatenationReference, lateBackoffMs } from './dispatch.service';

describe('hand-backs past DISPATCH_MAX_RESLOTS', () => {
  it('wait 1 s, doubling, never more than 60 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map(lateBackoffMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });
});

describe('the concatenation reference', () => {
  it('is the last byte of the message uuid, the same for every dispatcher', () => {
    expect(concatenationReference('3e4452fd-7453-4893-b35a-1b94a69767ef')).toBe(0xef);
    expect(concatenationReference('00000000-0000-4000-8000-000000000000')).toBe(0);
  });
});
