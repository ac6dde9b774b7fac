// The carriers Sluice knows by name (US 10DLC quotas are per carrier), with their MCC/MNC.

export const CarrierId = {
  Att: 'att',
  TMobile: 'tmobile',
  Verizon: 'verizon',
  Rogers: 'rogers',
  Unknown: 'unknown',
} as const;
export type CarrierId = (typeof CarrierId)[keyof typeof CarrierId];

export interface Carrier {
  readonly id: CarrierId;
  readonly name: string;
  /** Strings, because MCC/MNC are codes (leading zeros count), and Plivo reports them as strings. */
  readonly mcc: string;
  readonly mnc: string;
}

export const CARRIERS: Readonly<Record<CarrierId, Carrier>> = {
  att: { id: CarrierId.Att, name: 'AT&T', mcc: '310', mnc: '410' },
  tmobile: { id: CarrierId.TMobile, name: 'T-Mobile', mcc: '310', mnc: '260' },
  verizon: { id: CarrierId.Verizon, name: 'Verizon', mcc: '311', mnc: '480' },
  rogers: { id: CarrierId.Rogers, name: 'Rogers', mcc: '302', mnc: '720' },
  unknown: { id: CarrierId.Unknown, name: 'Unknown', mcc: '000', mnc: '000' },
};

/**
 * The default destination-prefix table (E.164 digits, no plus): seeded into Postgres's
 * `carrier_prefixes` and used by the carrier-simulator, so tests can aim traffic at a
 * carrier. Number portability makes real prefixes unreliable; operators load their own
 * table (or a lookup feed) into Postgres. A destination matching no prefix is `unknown`.
 */
export const DEFAULT_CARRIER_PREFIXES: ReadonlyArray<readonly [prefix: string, carrier: CarrierId]> = [
  ['1201', CarrierId.Att],
  ['1202', CarrierId.Att],
  ['1303', CarrierId.TMobile],
  ['1415', CarrierId.TMobile],
  ['1212', CarrierId.Verizon],
  ['1646', CarrierId.Verizon],
  ['1416', CarrierId.Rogers],
  ['1604', CarrierId.Rogers],
];

export function isCarrierId(value: string): value is CarrierId {
  return Object.prototype.hasOwnProperty.call(CARRIERS, value);
}

/** Longest prefix wins, whatever the table's order. */
export function prefixRouter(table: ReadonlyArray<readonly [prefix: string, carrier: CarrierId]>): (destination: string) => Carrier {
  const longestFirst = [...table].sort(([a], [b]) => b.length - a.length);
  return (destination) => {
    const digits = destination.replace(/\D/g, '');
    const match = longestFirst.find(([prefix]) => digits.startsWith(prefix));
    return CARRIERS[match ? match[1] : CarrierId.Unknown];
  };
}
