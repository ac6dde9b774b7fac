// Picks a powerpack's sender for a destination: a number of the destination's country, the same one every time if sticky.
import { MessageType } from '@sluice/contracts';
import type { NumberType } from '@sluice/persistence';

export interface PoolNumber {
  readonly number: string;
  readonly country: string;
  readonly numberType: NumberType;
}

/** Canadian short codes cannot send MMS. */
function canSend(n: PoolNumber, type: MessageType): boolean {
  return !(type === MessageType.Mms && n.country === 'CA' && n.numberType === 'short_code');
}

/** FNV-1a: a stable spread of destinations over the pool. */
export function stableHash(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i += 1) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * A number from the pool for `destination`: one in the destination's country when the
 * pool has one, else any that can send this type. Sticky pools map a destination to the
 * same sender while the pool is unchanged; others rotate by `turn`.
 */
export function pickSender(pool: readonly PoolNumber[], destination: string, country: string, type: MessageType, sticky: boolean, turn: number): string | null {
  const usable = pool.filter((n) => canSend(n, type));
  const local = usable.filter((n) => n.country === country);
  const candidates = local.length > 0 ? local : usable;
  if (candidates.length === 0) return null;
  const index = sticky ? stableHash(destination) % candidates.length : turn % candidates.length;
  return candidates[index].number;
}
