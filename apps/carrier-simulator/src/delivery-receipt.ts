// The SMPP delivery receipt the simulator sends back: outcome, receipt text and message_state.
import { createHash } from 'node:crypto';
import { ReceiptOutcome } from './simulator.config';
import { ReceiptStatus } from './submission.store';

/** message_state TLV values (SMPP 3.4 5.3.2.35). */
export const MessageStateValue = { Delivered: 2, Undeliverable: 5 } as const;

/** registered_delivery bits 0-1 (SMPP 3.4 5.2.17): 1 = any final outcome, 2 = failure only, 3 = success only (SMPP 5.0). */
export function wantsReceipt(registeredDelivery: number, status: ReceiptStatus): boolean {
  switch (registeredDelivery & 0x03) {
    case 1:
      return true;
    case 2:
      return status === ReceiptStatus.Undelivered;
    case 3:
      return status === ReceiptStatus.Delivered;
    default:
      return false;
  }
}

/**
 * `mixed` derives the outcome from the carrier id, so a given submission always gets the
 * same outcome and about 90% are delivered.
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
}

/**
 * The de-facto receipt format (SMPP 3.4 appendix B). `text:` is left empty: the simulator
 * never keeps message content, and clients must not rely on it.
 */
export function receiptText({ carrierMessageId, status, submittedAt, doneAt }: ReceiptTextInput): string {
  const delivered = status === ReceiptStatus.Delivered;
  return [
    `id:${carrierMessageId}`,
    'sub:001',
    `dlvrd:${delivered ? '001' : '000'}`,
    `submit date:${smppReceiptDate(submittedAt)}`,
    `done date:${smppReceiptDate(doneAt)}`,
    `stat:${status}`,
    `err:${delivered ? '000' : '001'}`,
    'text:',
  ].join(' ');
}

export function messageStateFor(status: ReceiptStatus): number {
  return status === ReceiptStatus.Delivered ? MessageStateValue.Delivered : MessageStateValue.Undeliverable;
}

/** YYMMDDhhmm in UTC, the receipt's date format. */
export function smppReceiptDate(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
}
