import type { ClaimedDelivery } from '@sluice/persistence';
import { Lease } from './lease';

function delivery(id: string | null): ClaimedDelivery {
  // Only the fields a lease reads; the rest of a delivery does not matter here.
  return { id, claims: id === null ? 0 : 3, messageUuid: 'm-1', sequence: 2 } as ClaimedDelivery;
}

describe('Lease', () => {
  it('of a claimed row has landed at once and answers its row and claim', async () => {
    const lease = new Lease(delivery('41'));
    expect(lease.key).toBe('m-1:2');
    expect(lease.open()).toBe(false);
    await expect(lease.landed).resolves.toBe(true);
    await expect(lease.settle()).resolves.toEqual({ id: '41', claims: 3 });
  });

  it('from the feed is open until its result is on its way, and lands as its write does', async () => {
    const lease = new Lease(delivery(null));
    expect(lease.open()).toBe(true);
    await expect(lease.settle()).resolves.toBeNull();
    expect(lease.open()).toBe(false);
    lease.landedAs(false);
    lease.landedAs(true);
    await expect(lease.landed).resolves.toBe(false);
  });

  it('whose row is being written under lease lands with that row, and its result waits for it and updates it', async () => {
    const lease = new Lease(delivery(null));
    let write!: (row: { id: string; claims: number } | null) => void;
    lease.writingRow(new Promise((resolve) => (write = resolve)));
    expect(lease.open()).toBe(false);
    const settled = lease.settle();
    write({ id: '7', claims: 1 });
    await expect(settled).resolves.toEqual({ id: '7', claims: 1 });
    await expect(lease.landed).resolves.toBe(true);
  });

  it('whose leased row could not be written stays without a row, so its result writes one', async () => {
    const lease = new Lease(delivery(null));
    lease.writingRow(Promise.reject(new Error('Postgres is away')));
    await expect(lease.settle()).resolves.toBeNull();
    lease.landedAs(true);
    await expect(lease.landed).resolves.toBe(true);
  });
});
