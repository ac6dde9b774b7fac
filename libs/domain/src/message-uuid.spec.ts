import { newMessageUuid } from './message-uuid';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newMessageUuid', () => {
  it('is a version 7 uuid whose first 48 bits are the time it was made', () => {
    const before = Date.now();
    const uuid = newMessageUuid();
    const after = Date.now();
    expect(uuid).toMatch(UUID_V7);
    const ms = parseInt(uuid.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('increases from one uuid to the next, within a millisecond too, and never repeats', () => {
    const uuids = Array.from({ length: 20_000 }, () => newMessageUuid());
    const outOfOrder = uuids.filter((uuid, i) => i > 0 && (uuids[i - 1] as string) >= uuid);
    expect(outOfOrder).toEqual([]);
    expect(new Set(uuids).size).toBe(uuids.length);
  });
});
