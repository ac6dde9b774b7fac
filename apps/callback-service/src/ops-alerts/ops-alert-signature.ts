// The signature on every alert delivered to the operator's webhook:
//   X-Sluice-Timestamp: Unix seconds when the attempt was made
//   X-Sluice-Signature: v1=<hex HMAC-SHA256(ALERT_WEBHOOK_SECRET, timestamp + "." + raw body)>
// The timestamp is inside the MAC so a captured delivery cannot be replayed later as new.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ALERT_SIGNATURE_HEADER = 'X-Sluice-Signature';
export const ALERT_TIMESTAMP_HEADER = 'X-Sluice-Timestamp';
const VERSION = 'v1';

/** `v1=` and the hex HMAC-SHA256 of `${timestamp}.${body}` under `secret`. */
export function opsAlertSignature(secret: string, timestamp: number, body: string): string {
  return `${VERSION}=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

export interface AlertSignatureCheck {
  readonly secret: string;
  /** The raw request body, byte for byte as received. */
  readonly body: string;
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
  /** Unix seconds now. */
  readonly nowSeconds: number;
  /** How far the timestamp may be from now; older deliveries are refused as replays. */
  readonly toleranceSeconds?: number;
}

/** What a receiver does: recompute, compare in constant time, refuse a stale timestamp. */
export function verifyOpsAlertSignature(check: AlertSignatureCheck): boolean {
  const { signature, timestamp } = check;
  if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(check.nowSeconds - Number(timestamp)) > (check.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(opsAlertSignature(check.secret, Number(timestamp), check.body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
