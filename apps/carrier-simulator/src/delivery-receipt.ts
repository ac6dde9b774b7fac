// The SMPP delivery receipt the simulator sends back: outcome, receipt text and message_state.
import { createHash } from 'node:crypto';
import { ReceiptOutcome } from './simulator.config';
import { ReceiptStatus } from './submission.store';

/** message_state TLV values (SMPP 3.4 5.3.2.35). */
export const MessageStateValue = { Delivered: 2, Expired: 3, Undeliverable: 5, Rejected: 8 } as const;

/** The `err:` a receipt carries when the profile names none: 000 when delivered, 001 otherwise. */
export function defaultReceiptError(status: ReceiptStatus): string {
  return status === ReceiptStatus.Delivered ? '000' : '001';
}

/** registered_delivery bits 0-1 (SMPP 3.4 5.2.17): 1 = any final outcome, 2 = failure only, 3 = success only (SMPP 5.0). */
export function wantsReceipt(registeredDelivery: number, status: ReceiptStatus): boolean {
  switch (registeredDelivery & 0x03) {
    case 1:
      return true;
    case 2:
      return status !== ReceiptStatus.Delivered;
    case 3:
      return status === ReceiptStatus.Delivered;
    default:
      return false;
  }
}

/**
 * The outcome RECEIPT_OUTCOME alone would give, decided by a hash of the carrier id (`mixed`:
 * about 90% delivered). The simulator itself decides through the carrier profiles (seeded,
 * see carrier-profiles.ts), whose start-up default RECEIPT_OUTCOME sets.
 */
export function receiptOutcome(mode: ReceiptOutcome, carrierMessageId: string): ReceiptStatus {
  if (mode === ReceiptOutcome.Delivered) return ReceiptStatus.Delivered;
  if (mode === ReceiptOutcome.Undelivered) return ReceiptStatus.Undelivered;
  const bucket = createHash('sha256').update(carrierMessageId).digest().readUInt32BE(0) % 100;
  return bucket < 90 ? ReceiptStatus.Delivered : ReceiptStatus.Undelivered;
}

export interface ReceiptTextInput {
  readonly carrierMessageId: string;
  readonly status: ReceiptStatus;
  readonly submittedAt: number;
  readonly doneAt: number;
  /** Three digits; defaultReceiptError(status) when absent. */
  readonly err?: string;
}

/**
 * The de-facto receipt format (SMPP 3.4 appendix B). `text:` is left empty: the simulator
 * never keeps message content, and clients must not rely on it.
 */
export function receiptText({ carrierMessageId, status, submittedAt, doneAt, err }: ReceiptTextInput): string {
  const delivered = status === ReceiptStatus.Delivered;
  return [
    `id:${carrierMessageId}`,
    'sub:001',
    `dlvrd:${delivered ? '001' : '000'}`,
    `submit date:${smppReceiptDate(submittedAt)}`,
    `done date:${smppReceiptDate(doneAt)}`,
    `stat:${status}`,
    `err:${err ?? defaultReceiptError(status)}`,
    'text:',
  ].join(' ');
}

export function messageStateFor(status: ReceiptStatus): number {
  switch (status) {
    case ReceiptStatus.Delivered:
      return MessageStateValue.Delivered;
    case ReceiptStatus.Expired:
      return MessageStateValue.Expired;
    case ReceiptStatus.Rejected:
      return MessageStateValue.Rejected;
    default:
      return MessageStateValue.Undeliverable;
  }
}

/** YYMMDDhhmm in UTC, the receipt's date format. */
export function smppReceiptDate(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
}
