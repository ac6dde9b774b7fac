// message_expiry: how long an accepted message may wait to reach the carrier.

/**
 * `message_expiry` in seconds, as the Plivo API takes it: a request may give `min` to `max`;
 * one that gives none gets `default`, one second more than a request may ask for.
 */
export const MESSAGE_EXPIRY = { min: 5, max: 10_799, default: 10_800 } as const;

/** The longest any message may wait, in seconds: this long after acceptance, every expiry has passed. */
export const LONGEST_MESSAGE_EXPIRY_SECONDS = Math.max(MESSAGE_EXPIRY.max, MESSAGE_EXPIRY.default);

/**
 * When a message expires (epoch ms): `messageExpirySeconds` after its acceptance. Past it, a
 * message with no part at the carrier fails with 420, uncharged. Postgres computes the same
 * instant as `message_expiry_deadline(message_time, message_expiry)` (migration
 * 1764320000000-self-healing), which the expiry sweep and the reconciler's index use.
 */
export function messageExpiryDeadline(acceptedAt: number, messageExpirySeconds: number): number {
  return acceptedAt + messageExpirySeconds * 1_000;
}
