// Which addresses a callback may reach: public ones, and private ones only where the allow-list says so.
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { BlockList, isIP, LookupFunction } from 'node:net';

/** Private, loopback, link-local, shared, documentation, multicast and reserved ranges, and IPv6 forms that embed IPv4. */
const NON_PUBLIC_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
  '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
];
const NON_PUBLIC_V6 = [
  '::/96', '::ffff:0:0/96', '64:ff9b::/96', '64:ff9b:1::/48', '100::/64', '2001::/32', '2001:db8::/32', '2002::/16', 'fc00::/7',
  'fe80::/10', 'fec0::/10', 'ff00::/8',
];

/**
 * One list per family: a BlockList matches IPv4 addresses against IPv6 rules through their
 * IPv4-mapped form, so `::ffff:0:0/96` in a shared list would match every IPv4 address.
 */
interface SubnetLists {
  readonly ipv4: BlockList;
  readonly ipv6: BlockList;
}

function subnetLists(): SubnetLists {
  return { ipv4: new BlockList(), ipv6: new BlockList() };
}

const NON_PUBLIC = subnetLists();
for (const cidr of [...NON_PUBLIC_V4, ...NON_PUBLIC_V6]) addCidr(NON_PUBLIC, cidr);

export interface AllowList {
  /** Exact hostnames (lower case) whose addresses are not checked. */
  readonly hostnames: ReadonlySet<string>;
  readonly subnets: SubnetLists;
  readonly entries: readonly string[];
}

/** Parses `CALLBACK_ALLOWED_HOSTS`: hostnames, IPs and CIDRs separated by commas. Throws a sentence on a bad entry. */
export function parseAllowList(value: string): AllowList {
  const hostnames = new Set<string>();
  const subnets = subnetLists();
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const entry of entries) {
    if (/^[^/]+\/[^/]*$/.test(entry)) {
      if (!addCidr(subnets, entry)) throw new Error(`"${entry}" is not a valid CIDR (e.g. 127.0.0.0/8 or ::1/128)`);
    } else if (isIP(unbracket(entry))) {
      const address = unbracket(entry);
      addCidr(subnets, `${address}/${isIP(address) === 4 ? 32 : 128}`);
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry)) {
      hostnames.add(entry.toLowerCase());
    } else {
      throw new Error(`"${entry}" is neither a hostname, an IP address nor a CIDR`);
    }
  }
  return { hostnames, subnets, entries };
}

/** Thrown (through `lookup`) when a callback's host resolves to an address it may not reach. */
export class DestinationRefusedError extends Error {
  override readonly name = 'DestinationRefusedError';
  readonly code = 'ERR_CALLBACK_DESTINATION_REFUSED';
}

type Resolver = (hostname: string, family: number) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname, family) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, family }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

export class DestinationPolicy {
  constructor(
    private readonly allow: AllowList,
    private readonly resolver: Resolver = systemResolver,
  ) {}

  /** Why the url may not be called at all (scheme, an address literal that is not allowed), or null. */
  refusalForUrl(url: URL): string | null {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol.replace(/:$/, '')} is not http or https`;
    const host = hostOf(url);
    if (host === '') return 'the url has no host';
    if (this.allow.hostnames.has(host)) return null;
    return isIP(host) ? this.refusalForAddress(host) : null;
  }

  /** Why `address` may not be reached, or null when it is public or allowed. */
  refusalForAddress(address: string): string | null {
    const family = isIP(address);
    if (family === 0) return `${address} is not an IP address`;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (!NON_PUBLIC[type].check(address, type) || this.allow.subnets[type].check(address, type)) return null;
    return `${address} is a private, loopback, link-local or reserved address (allow it with CALLBACK_ALLOWED_HOSTS)`;
  }

  /**
   * A `lookup` for http.request: the connection goes only to addresses checked here, so a
   * DNS answer cannot change between the check and the connect. A host with any refused
   * address is refused as a whole.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    this.resolver(hostname, typeof options.family === 'number' ? options.family : 0).then(
      (addresses) => {
        if (!this.allow.hostnames.has(host)) {
          for (const { address } of addresses) {
            const refusal = this.refusalForAddress(address);
            if (refusal) return callback(new DestinationRefusedError(`${hostname} resolves to ${refusal}`), '', 0);
          }
        }
        const [first] = addresses;
        if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        return options.all ? callback(null, addresses) : callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** The url's host as compared with the allow-list: lower case, without brackets or a trailing dot. */
export function hostOf(url: URL): string {
  return unbracket(url.hostname.toLowerCase()).replace(/\.$/, '');
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function addCidr(lists: SubnetLists, cidr: string): boolean {
  const [address = '', prefixText = ''] = cidr.split('/');
  const family = isIP(unbracket(address));
  const prefix = Number(prefixText);
  if (family === 0 || !/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  lists[type].addSubnet(unbracket(address), prefix, type);
  return true;
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
