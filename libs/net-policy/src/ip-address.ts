// IP address text as the policy compares it: family, IPv6 words, and the IPv4 address some IPv6 forms carry.
import { isIP } from 'node:net';

/** A host as written in a URL or an allow-list, without brackets, zone id or trailing dot, in lower case. */
export function bareHost(host: string): string {
  const lower = host.trim().toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return unbracketed.replace(/%.*$/, '').replace(/\.$/, '');
}

/** The url's host as compared with the allow-list and the address lists. */
export function hostOf(url: URL): string {
  return bareHost(url.hostname);
}

/** 4, 6, or 0 when `address` is not an IP address (zone ids are ignored). */
export function familyOf(address: string): 0 | 4 | 6 {
  return isIP(address.replace(/%.*$/, '')) as 0 | 4 | 6;
}

/** The eight 16-bit words of an IPv6 address (any valid notation, including a trailing dotted quad), or null. */
export function ipv6Words(address: string): number[] | null {
  let text = address.replace(/%.*$/, '');
  if (isIP(text) !== 6) return null;
  const tail: number[] = [];
  const quad = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, quad.index);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const words = (part: string): number[] => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const gap = text.indexOf('::');
  if (gap < 0) return [...words(text), ...tail];
  const head = words(text.slice(0, gap));
  const rest = [...words(text.slice(gap + 2)), ...tail];
  return [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}

/**
 * The IPv4 address an IPv6 address stands for: IPv4-mapped `::ffff:a.b.c.d` (how dual-stack
 * sockets show IPv4 peers) and the NAT64 well-known prefix `64:ff9b::/96`. A connection to
 * such an address reaches that IPv4 host, so it must be judged as that host.
 */
export function embeddedIpv4(address: string): string | null {
  const w = ipv6Words(address);
  if (!w) return null;
  const mapped = w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff;
  const nat64 = w[0] === 0x64 && w[1] === 0xff9b && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0;
  if (!mapped && !nat64) return null;
  const [high = 0, low = 0] = w.slice(6);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
