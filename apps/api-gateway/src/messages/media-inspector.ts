// Checks each MMS media URL the way Plivo does: it must answer with a supported Content-Type and a Content-Length.
import { Inject, Injectable } from '@nestjs/common';
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { ApiError } from '../errors/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

export const MEDIA_LIMITS = {
  /** Per attachment. */
  maxBytes: 2 * 1024 * 1024,
  /** Text and all attachments together must stay under this. */
  maxTotalBytes: 5 * 1024 * 1024,
} as const;

const MAX_REDIRECTS = 3;

/** Content types carriers take as MMS attachments (images, audio, video, vCard, calendar, PDF, plain text). */
const SUPPORTED_PREFIXES = ['image/', 'audio/', 'video/'];
const SUPPORTED_TYPES = new Set(['text/vcard', 'text/x-vcard', 'text/directory', 'text/calendar', 'text/plain', 'text/csv', 'text/rtf', 'application/pdf', 'application/ogg', 'application/rtf']);

export interface InspectedMedia {
  readonly url: string;
  readonly contentType: string;
  readonly size: number;
}

export function isSupportedContentType(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return SUPPORTED_PREFIXES.some((prefix) => type.startsWith(prefix) && type.length > prefix.length) || SUPPORTED_TYPES.has(type);
}

/** True when text and media together break Plivo's size rules: the message is accepted and fails with 120. */
export function mediaTooLarge(media: readonly InspectedMedia[], textBytes: number): boolean {
  const total = media.reduce((sum, m) => sum + m.size, textBytes);
  return media.some((m) => m.size > MEDIA_LIMITS.maxBytes) || total >= MEDIA_LIMITS.maxTotalBytes;
}

/** Private, loopback, link-local, multicast and unspecified ranges: media URLs must not make the gateway reach into its own network. */
function internalRanges(): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv4');
  }
  for (const [network, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
    ['::ffff:0:0', 96],
  ] as const) {
    list.addSubnet(network, prefix, 'ipv6');
  }
  return list;
}

@Injectable()
export class MediaInspector {
  private readonly internal = internalRanges();
  private readonly allowedHosts = new Set<string>();
  private readonly allowedRanges = new BlockList();

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    for (const entry of config.MEDIA_ALLOWED_HOSTS) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address ?? '');
      if (family && prefix !== undefined) this.allowedRanges.addSubnet(address!, Number(prefix), family === 6 ? 'ipv6' : 'ipv4');
      else if (family) this.allowedRanges.addAddress(address!, family === 6 ? 'ipv6' : 'ipv4');
      else this.allowedHosts.add(entry.toLowerCase());
    }
  }

  /** All URLs in parallel; the first problem becomes a 400 naming `media_urls[i]`. */
  async inspect(urls: readonly string[]): Promise<InspectedMedia[]> {
    return Promise.all(urls.map((url, i) => this.inspectOne(url, `media_urls[${i}]`)));
  }

  private async inspectOne(url: string, parameter: string): Promise<InspectedMedia> {
    let current = new URL(url);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      const answer = await this.head(current, parameter);
      if (answer.status >= 300 && answer.status < 400 && answer.location) {
        current = new URL(answer.location, current);
        if (current.protocol !== 'http:' && current.protocol !== 'https:') throw ApiError.invalid(parameter, 'redirects to a URL that is not http or https');
        continue;
      }
      if (answer.status < 200 || answer.status >= 300) throw ApiError.invalid(parameter, `could not be fetched: the server answered HTTP ${answer.status}`);
      const contentType = answer.contentType?.trim();
      const size = answer.contentLength === undefined ? NaN : Number(answer.contentLength);
      if (!contentType || !Number.isSafeInteger(size) || size < 0) {
        throw ApiError.invalid(parameter, 'the server must answer with a Content-Type and a Content-Length');
      }
      if (!isSupportedContentType(contentType)) throw ApiError.invalid(parameter, `content type ${contentType.slice(0, 100)} is not supported for MMS`);
      return { url, contentType: contentType.split(';')[0]!.trim().toLowerCase().slice(0, 100), size };
    }
    throw ApiError.invalid(parameter, `redirects more than ${MAX_REDIRECTS} times`);
  }

  /** An internal address not explicitly allowed by MEDIA_ALLOWED_HOSTS. */
  private refused(address: string, family: number): boolean {
    const type = family === 6 ? 'ipv6' : 'ipv4';
    return this.internal.check(address, type) && !this.allowedRanges.check(address, type);
  }

  /** HEAD, with every resolved address checked when the connection is made (no DNS-rebinding window). */
  private head(url: URL, parameter: string): Promise<{ status: number; contentType?: string; contentLength?: string; location?: string }> {
    const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const hostAllowed = this.allowedHosts.has(hostname);
    const lookup = (host: string, options: object, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
      dnsLookup(host, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, []);
        if (!hostAllowed && addresses.some((a) => this.refused(a.address, a.family))) {
          return callback(Object.assign(new Error('internal address'), { code: 'SLUICE_INTERNAL_ADDRESS' }), []);
        }
        const first = addresses[0]!;
        if ((options as { all?: boolean }).all) callback(null, addresses);
        else callback(null, first.address, first.family);
      });
    };
    // A literal IP never goes through lookup, so it is checked here.
    const literal = isIP(hostname);
    if (literal && !hostAllowed && this.refused(hostname, literal)) {
      return Promise.reject(ApiError.invalid(parameter, 'points to a private or local address'));
    }
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(
        url,
        { method: 'HEAD', lookup, timeout: this.config.MEDIA_FETCH_TIMEOUT_MS, headers: { 'user-agent': 'sluice-media-check/1' } },
        (response) => {
          response.resume();
          const header = (name: string): string | undefined => {
            const value = response.headers[name];
            return Array.isArray(value) ? value[0] : value;
          };
          resolve({ status: response.statusCode ?? 0, contentType: header('content-type'), contentLength: header('content-length'), location: header('location') });
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'SLUICE_INTERNAL_ADDRESS') reject(ApiError.invalid(parameter, 'points to a private or local address'));
        else reject(ApiError.invalid(parameter, `could not be fetched (${error.code ?? 'connection error'})`));
      });
      request.end();
    });
  }
}
