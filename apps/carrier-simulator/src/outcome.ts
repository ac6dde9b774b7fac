// Seeded, reproducible choices: which error, which receipt, how much jitter a submission gets.
import { createHash } from 'node:crypto';
import type { CarrierId } from './carriers';
import type { ErrorShare, ReceiptShare } from './carrier-profiles';
import { defaultReceiptError } from './delivery-receipt';
import { ReceiptStatus } from './submission.store';

/** The independent choices made for one submission; each gets its own draw. */
export type DrawPurpose = 'error' | 'latency' | 'receipt' | 'receipt-delay';

const TWO_POW_48 = 2 ** 48;

/**
 * A number in [0, 1) that depends only on the seed, the carrier, the submission's ordinal
 * (1 for the first submission to that carrier that passed its throughput policing, since
 * start or the last reset) and what is being decided. So for one seed and profile the k-th
 * submission to a carrier always gets the same outcome, whatever came in for other
 * carriers and on whichever session it arrived.
 */
export function unitDraw(seed: string, carrier: CarrierId, ordinal: number, purpose: DrawPurpose): number {
  const digest = createHash('sha256').update(`${seed}\u0000${carrier}\u0000${ordinal}\u0000${purpose}`).digest();
  return digest.readUIntBE(0, 6) / TWO_POW_48;
}

/** The share a draw falls into, taking the shares in order over [0, 1); undefined for the remainder. */
export function pickShare<T extends { readonly fraction: number }>(shares: readonly T[], draw: number): T | undefined {
  let upTo = 0;
  for (const share of shares) {
    upTo += share.fraction;
    if (draw < upTo) return share;
  }
  return undefined;
}

/** The error the profile's mix gives this draw; undefined means accepted. */
export function pickError(errors: readonly ErrorShare[], draw: number): ErrorShare | undefined {
  return pickShare(errors, draw);
}

/** The receipt outcome for this draw: the remainder of the shares is DELIVRD err:000. */
export function pickReceipt(outcomes: readonly ReceiptShare[], draw: number): { readonly stat: ReceiptStatus; readonly err: string } {
  const share = pickShare(outcomes, draw);
  return share ? { stat: share.stat, err: share.err } : { stat: ReceiptStatus.Delivered, err: defaultReceiptError(ReceiptStatus.Delivered) };
}

/** fixedMs plus a whole number of milliseconds from 0 to jitterMs, both ends included. */
export function jittered(fixedMs: number, jitterMs: number, draw: number): number {
  return fixedMs + Math.min(jitterMs, Math.floor(draw * (jitterMs + 1)));
}
