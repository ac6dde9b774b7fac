// Checks each MMS media URL the way Plivo does: it must answer with a supported Content-Type and a Content-Length.
import { Inject, Injectable, Optional } from '@nestjs/common';
import { AddressPolicy, AddressRefusedError, hostOf, Resolver } from '@sluice/net-policy';
import http from 'node:http';
import https from 'node:https';
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
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return SUPPORTED_PREFIXES.some((prefix) => type.startsWith(prefix) && type.length > prefix.length) || SUPPORTED_TYPES.has(type);
}

/** True when text and media together break Plivo's size rules: the message is accepted and fails with 120. */
export function mediaTooLarge(media: readonly InspectedMedia[], textBytes: number): boolean {
  const total = media.reduce((sum, m) => sum + m.size, textBytes);
  return media.some((m) => m.size > MEDIA_LIMITS.maxBytes) || total >= MEDIA_LIMITS.maxTotalBytes;
}

/** Where the inspector's lookups go; the system resolver unless a test provides answers. */
export const MEDIA_RESOLVER = Symbol('MEDIA_RESOLVER');

@Injectable()
export class MediaInspector {
  /** Public addresses only, unless MEDIA_ALLOWED_HOSTS names the host or range. */
  readonly policy: AddressPolicy;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Optional() @Inject(MEDIA_RESOLVER) resolver?: Resolver,
  ) {
    this.policy = new AddressPolicy(config.MEDIA_ALLOWED_HOSTS, { allowSetting: 'MEDIA_ALLOWED_HOSTS', ...(resolver ? { resolver } : {}) });
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
      return { url, contentType: (contentType.split(';')[0] ?? '').trim().toLowerCase().slice(0, 100), size };
    }
    throw ApiError.invalid(parameter, `redirects more than ${MAX_REDIRECTS} times`);
  }

  /** HEAD, connecting only to addresses the policy accepts when the connection is made (no DNS-rebinding window). */
  private head(url: URL, parameter: string): Promise<{ status: number; contentType?: string; contentLength?: string; location?: string }> {
    if (this.policy.refusalForHost(hostOf(url))) return Promise.reject(ApiError.invalid(parameter, 'points to a private or local address'));
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(
        url,
        { method: 'HEAD', lookup: this.policy.lookup, timeout: this.config.MEDIA_FETCH_TIMEOUT_MS, headers: { 'user-agent': 'sluice-media-check/1' } },
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
        if (error instanceof AddressRefusedError) reject(ApiError.invalid(parameter, 'points to a private or local address'));
        else reject(ApiError.invalid(parameter, `could not be fetched (${error.code ?? 'connection error'})`));
      });
      request.end();
    });
  }
}
