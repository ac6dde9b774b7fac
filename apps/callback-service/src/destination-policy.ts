// Where a callback may go (the shared address policy, with CALLBACK_ALLOWED_HOSTS as its exceptions)
// and the destination whose limits and circuit breaker it counts against.
import { AddressPolicy, AllowList, Resolver } from '@sluice/net-policy';

/** Public addresses only, unless CALLBACK_ALLOWED_HOSTS names the host or range. */
export function callbackAddressPolicy(allow: AllowList, resolver?: Resolver): AddressPolicy {
  return new AddressPolicy(allow, { allowSetting: 'CALLBACK_ALLOWED_HOSTS', ...(resolver ? { resolver } : {}) });
}

/** `scheme://host[:port]` of a callback url: the unit of per-destination limits and circuit breaking. */
export function destinationOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'invalid-url';
  }
}
