// Which carrier serves a destination: the simulator routes by Sluice's default prefix table.
import { DEFAULT_CARRIER_PREFIXES, prefixRouter } from '@sluice/contracts';

export { CARRIERS, CarrierId, isCarrierId, prefixRouter } from '@sluice/contracts';
export type { Carrier } from '@sluice/contracts';

export const CARRIER_PREFIXES = DEFAULT_CARRIER_PREFIXES;

/** The carrier for a destination given as `+1...`, `1...` or with spaces/dashes; `unknown` when none matches. */
export const carrierFor = prefixRouter(CARRIER_PREFIXES);
