import { concatenationReference } from './dispatch.service';

describe('the concatenation reference', () => {
  it('is the last byte of the message uuid, the same for every dispatcher', () => {
    expect(concatenationReference('3e4452fd-7453-4893-b35a-1b94a69767ef')).toBe(0xef);
    expect(concatenationReference('00000000-0000-4000-8000-000000000000')).toBe(0);
  });
});
