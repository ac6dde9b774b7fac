// Which addresses an outbound fetch (media check, status callback) may reach: public ones, and
// private ones only where the operator's allow-list says so.
import { z } from '@sluice/config';
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { BlockList, LookupFunction } from 'node:net';
import { bareHost, embeddedIpv4, familyOf, hostOf } from './ip-address';

/** Private, loopback, shared, link-local, documentation, benchmarking, multicast and reserved IPv4 ranges. */
const NON_PUBLIC_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
  '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
];
/**
 * The IPv6 counterparts. `::/8` holds the unspecified and loopback addresses and the
 * IPv4-compatible and -translated forms; IPv4-mapped and NAT64 addresses are in it or
 * beside it but never reach this list: they are judged by the IPv4 address they carry.
 */
const NON_PUBLIC_V6 = [
  '::/8', '64:ff9b:1::/48', '100::/64', '2001::/32', '2001:2::/48', '2001:db8::/32', '2002::/16', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8',
];

/**
 * One list per family. A node BlockList also matches IPv4 rules against IPv4-mapped IPv6
 * addresses and IPv6 rules against IPv4 addresses, so a shared list holding `::ffff:0:0/96`
 * matches every IPv4 address. Each address is checked only against its own family's list.
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

/** The family-specific form an address is judged in: IPv4-mapped and NAT64 addresses as their IPv4 address. */
function judged(address: string): { readonly address: string; readonly type: 'ipv4' | 'ipv6' } | null {
  const bare = address.replace(/%.*$/, '');
  const family = familyOf(bare);
  if (family === 0) return null;
  if (family === 4) return { address: bare, type: 'ipv4' };
  const v4 = embeddedIpv4(bare);
  return v4 ? { address: v4, type: 'ipv4' } : { address: bare, type: 'ipv6' };
}

/** True for an address on the public internet; false for private, loopback, link-local, reserved and non-addresses. */
export function isPublicAddress(address: string): boolean {
  const form = judged(address);
  return form !== null && !NON_PUBLIC[form.type].check(form.address, form.type);
}

export interface AllowList {
  /** Exact hostnames (lower case) whose addresses are not checked. */
  readonly hostnames: ReadonlySet<string>;
  readonly subnets: SubnetLists;
  /** The entries as given, for reporting the configuration. */
  readonly entries: readonly string[];
}

/** Parses an allow-list setting: hostnames, IPs and CIDRs separated by commas. Throws a sentence on a bad entry. */
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
    } else if (familyOf(bareHost(entry)) !== 0) {
      const address = bareHost(entry);
      addCidr(subnets, `${address}/${familyOf(address) === 4 ? 32 : 128}`);
    } else if (/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*\.?$/i.test(entry)) {
      hostnames.add(bareHost(entry));
    } else {
      throw new Error(`"${entry}" is neither a hostname, an IP address nor a CIDR`);
    }
  }
  return { hostnames, subnets, entries };
}

/** An allow-list setting for an app's config schema: a bad entry stops start-up with a sentence naming it. */
export const allowListSetting = z.string().transform((value, context) => {
  try {
    return parseAllowList(value);
  } catch (error: unknown) {
    context.addIssue({ code: z.ZodIssueCode.custom, message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

/** Raised through `lookup` when a host resolves to an address it may not reach; the request fails with it. */
export class AddressRefusedError extends Error {
  override readonly name = 'AddressRefusedError';
  readonly code = 'ERR_ADDRESS_REFUSED';
}

/** Resolves a hostname to every address; `family` 0 means both. */
export type Resolver = (hostname: string, family: number) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname, family) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, family }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

export interface AddressPolicyOptions {
  /** The setting that lists exceptions, named in refusals so an operator knows what to change. */
  readonly allowSetting: string;
  /** The system resolver unless given (tests give answers of their own). */
  readonly resolver?: Resolver;
}

/** Hosts whose judgement is kept (forgotten all at once when full). */
const MAX_JUDGED_HOSTS = 10_000;

export class AddressPolicy {
  private readonly resolver: Resolver;
  private readonly judged = new Map<string, string | null>();

  constructor(
    private readonly allow: AllowList,
    private readonly options: AddressPolicyOptions,
  ) {
    this.resolver = options.resolver ?? systemResolver;
  }

  /** Why the url may not be fetched at all (scheme, an address literal that is not allowed), or null. */
  refusalForUrl(url: URL): string | null {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol.replace(/:$/, '')} is not http or https`;
    return this.refusalForHost(hostOf(url));
  }

  /**
   * Why `host` may not be reached, as far as can be told before resolving it: an address
   * literal never goes through `lookup`, so it is judged here; a hostname is judged by
   * `lookup` when the connection is made.
   */
  refusalForHost(host: string): string | null {
    // The answer depends on the host and this policy's fixed settings only: a callback url's host is judged once.
    const known = this.judged.get(host);
    if (known !== undefined) return known;
    if (this.judged.size >= MAX_JUDGED_HOSTS) this.judged.clear();
    const refusal = this.judgeHost(host);
    this.judged.set(host, refusal);
    return refusal;
  }

  private judgeHost(host: string): string | null {
    const bare = bareHost(host);
    if (bare === '') return 'the url has no host';
    if (this.allow.hostnames.has(bare)) return null;
    return familyOf(bare) === 0 ? null : this.refusalForAddress(bare);
  }

  /** Why `address` may not be reached, or null when it is public or allowed. */
  refusalForAddress(address: string): string | null {
    const form = judged(address);
    if (!form) return `${address} is not an IP address`;
    if (!NON_PUBLIC[form.type].check(form.address, form.type) || this.allow.subnets[form.type].check(form.address, form.type)) return null;
    const shown = form.address === address ? address : `${address} (${form.address})`;
    return `${shown} is a private, loopback, link-local or reserved address (allow it with ${this.options.allowSetting})`;
  }

  /**
   * A `lookup` for http.request and net.connect: the socket connects only to the addresses
   * judged here, so a DNS answer cannot change between the check and the connection. Every
   * connection resolves and judges afresh. A host with any refused address is refused whole.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const host = bareHost(hostname);
    this.resolver(hostname, typeof options.family === 'number' ? options.family : 0).then(
      (addresses) => {
        if (!this.allow.hostnames.has(host)) {
          for (const { address } of addresses) {
            const refusal = this.refusalForAddress(address);
            if (refusal) return callback(new AddressRefusedError(`${hostname} resolves to ${refusal}`), '', 0);
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

/** Adds `address/prefix` to its family's list; an IPv4-mapped or NAT64 network of /96 or longer goes in as IPv4. */
function addCidr(lists: SubnetLists, cidr: string): boolean {
  const [rawAddress = '', prefixText = ''] = cidr.split('/');
  const address = bareHost(rawAddress);
  const family = familyOf(address);
  const prefix = Number(prefixText);
  if (family === 0 || !/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) return false;
  const v4 = family === 6 && prefix >= 96 ? embeddedIpv4(address) : null;
  if (v4) lists.ipv4.addSubnet(v4, prefix - 96, 'ipv4');
  else if (family === 4) lists.ipv4.addSubnet(address, prefix, 'ipv4');
  else lists.ipv6.addSubnet(address, prefix, 'ipv6');
  return true;
}
