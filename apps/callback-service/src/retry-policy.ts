// What becomes of a callback after an attempt: delivered, retried after the schedule's next wait, or given up.
import { CallbackDeliveryState, DeliveryNext } from '@sluice/persistence';

/** How one attempt ended. */
export const AttemptKind = {
  /** 2xx. */
  Success: 'success',
  /** Any other status code, redirects included (they are not followed). */
  HttpError: 'http_error',
  Timeout: 'timeout',
  /** DNS failure, refused or reset connection, TLS error. */
  NetworkError: 'network_error',
  /** Not sent: the url is not http(s) or reaches an address the allow-list does not permit. */
  Refused: 'refused',
  /** Not sent: the destination's circuit is open. */
  CircuitOpen: 'circuit_open',
} as const;
export type AttemptKind = (typeof AttemptKind)[keyof typeof AttemptKind];

/**
 * `attempt` is the number of the attempt that just ended (1 for the first). With the
 * schedule [60 s, 120 s, 240 s], attempts 1–3 are followed by those waits and attempt 4
 * is the last, as Plivo does. A refusal is final: retrying cannot make the url acceptable.
 * With `clientErrorsFinal` (inbound messages to a Message URL) a 4xx answer is final too,
 * except 408 and 429, which say "later".
 */
export function nextAfter(
  kind: AttemptKind,
  attempt: number,
  retryDelaysMs: readonly number[],
  options: { readonly clientErrorsFinal?: boolean; readonly httpStatus?: number | null } = {},
): DeliveryNext {
  if (kind === AttemptKind.Success) return { state: CallbackDeliveryState.Delivered };
  if (kind === AttemptKind.Refused) return { state: CallbackDeliveryState.Refused };
  const status = options.httpStatus ?? null;
  if (options.clientErrorsFinal && kind === AttemptKind.HttpError && status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return { state: CallbackDeliveryState.Refused };
  }
  const delayMs = retryDelaysMs[attempt - 1];
  return delayMs === undefined ? { state: CallbackDeliveryState.Exhausted } : { state: CallbackDeliveryState.Pending, delayMs };
}
