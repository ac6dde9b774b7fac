// The send request's parameters (JSON or form-encoded), parsed into one typed command; each problem names its parameter.
import { CallbackMethod, LogMode, MessageType } from '@sluice/contracts';
import { destinationCountry, isUuid, MESSAGE_EXPIRY, normalizeE164 } from '@sluice/domain';
import { ApiError } from '../errors/api-error';

export const MAX_DESTINATIONS = 1_000;
export const MAX_MEDIA = 10;
export const MAX_URL_LENGTH = 2_048;
export const DLT_TEMPLATE_CATEGORIES = ['transactional', 'promotional', 'service_implicit', 'service_explicit'] as const;

export interface SendMessageCommand {
  /** E.164 digits or a short code; null when a powerpack picks the sender. */
  readonly src: string | null;
  readonly powerpackUuid: string | null;
  /** Unique destinations in E.164 digits, in the order given. */
  readonly destinations: readonly string[];
  /** Destinations as given that are not numbers Sluice can send to. */
  readonly invalidNumbers: readonly string[];
  readonly text: string;
  readonly type: MessageType;
  readonly mediaUrls: readonly string[];
  readonly url: string | null;
  readonly method: CallbackMethod;
  readonly messageExpiry: number;
  readonly log: LogMode;
  readonly trackable: boolean;
}

type Body = Record<string, unknown>;

/** An unpaired surrogate is not a character any carrier can encode. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Postgres text cannot hold NUL. */
const unsendable = (value: string): boolean => value.includes('\u0000') || LONE_SURROGATE.test(value);
/** A dialable US/Canadian number: NPA and exchange start with 2-9. */
const NANP = /^1[2-9]\d{2}[2-9]\d{6}$/;
const SHORT_CODE = /^\d{5,6}$/;
const WHATSAPP_ONLY = ['template', 'interactive', 'location'] as const;

export function parseSendMessage(body: unknown): SendMessageCommand {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('InvalidParameter', 'request body must be a JSON object (or a form-encoded body)');
  }
  const b = body as Body;
  const type = parseType(b);
  for (const name of WHATSAPP_ONLY) {
    if (present(b[name])) throw ApiError.invalid(name, 'is for WhatsApp messages, which Sluice does not send');
  }
  if (present(b['media_ids'])) throw ApiError.invalid('media_ids', 'uploaded media is not supported; send media_urls');

  const srcRaw = optionalString(b, 'src', { numeric: true });
  const powerpackUuid = optionalString(b, 'powerpack_uuid');
  if (srcRaw !== undefined && powerpackUuid !== undefined) throw ApiError.invalid('powerpack_uuid', 'give either src or powerpack_uuid, not both');
  if (srcRaw === undefined && powerpackUuid === undefined) throw ApiError.invalid('src', 'is required (or powerpack_uuid)');
  if (powerpackUuid !== undefined && !isUuid(powerpackUuid)) throw ApiError.invalid('powerpack_uuid', 'must be a powerpack uuid');
  const src = srcRaw === undefined ? null : parseSource(srcRaw);

  const { destinations, invalidNumbers } = parseDestinations(b['dst'], src);
  const mediaUrls = parseMediaUrls(b, type);
  const text = optionalString(b, 'text', { keepEmpty: true }) ?? '';
  if (text === '' && (type === MessageType.Sms || mediaUrls.length === 0)) {
    throw ApiError.invalid('text', type === MessageType.Sms ? 'is required' : 'is required when an MMS has no media_urls');
  }
  if (unsendable(text)) throw ApiError.invalid('text', 'contains a NUL character or an unpaired UTF-16 surrogate');

  const url = optionalString(b, 'url');
  if (url !== undefined && !isHttpUrl(url)) throw ApiError.invalid('url', `must be an http or https URL of at most ${MAX_URL_LENGTH} characters`);
  const method = optionalString(b, 'method')?.toUpperCase();
  if (method !== undefined && method !== CallbackMethod.Get && method !== CallbackMethod.Post) throw ApiError.invalid('method', 'must be GET or POST');

  parseDlt(b);
  return {
    src,
    powerpackUuid: powerpackUuid?.toLowerCase() ?? null,
    destinations,
    invalidNumbers,
    text,
    type,
    mediaUrls,
    url: url ?? null,
    method: method === CallbackMethod.Get ? CallbackMethod.Get : CallbackMethod.Post,
    messageExpiry: parseExpiry(b['message_expiry']),
    log: parseLog(b['log']),
    trackable: parseBoolean(b, 'trackable') ?? false,
  };
}

function parseType(b: Body): MessageType {
  const type = optionalString(b, 'type')?.toLowerCase();
  if (type === undefined) return MessageType.Sms;
  if (type === MessageType.Sms || type === MessageType.Mms) return type;
  throw ApiError.invalid('type', 'must be sms or mms');
}

function parseSource(raw: string): string {
  const trimmed = raw.trim();
  if (SHORT_CODE.test(trimmed)) return trimmed;
  const e164 = normalizeE164(trimmed);
  if (e164 && NANP.test(e164)) return e164;
  throw ApiError.invalid('src', 'must be a US or Canadian number in E.164 format (e.g. +14155550100) or a short code');
}

function parseDestinations(value: unknown, src: string | null): { destinations: string[]; invalidNumbers: string[] } {
  let joined: string;
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string' || isWholeNumber(v))) throw ApiError.invalid('dst', 'must be a string of numbers joined by <');
    joined = value.map(String).join('<');
  } else if (typeof value === 'string' || isWholeNumber(value)) {
    joined = String(value);
  } else if (value === undefined || value === null) {
    throw ApiError.invalid('dst', 'is required');
  } else {
    throw ApiError.invalid('dst', 'must be a string of numbers joined by <');
  }
  if (unsendable(joined)) throw ApiError.invalid('dst', 'contains a NUL character or an unpaired UTF-16 surrogate');
  const given = [...new Set(joined.split('<').map((d) => d.trim()).filter((d) => d.length > 0))];
  if (given.length === 0) throw ApiError.invalid('dst', 'is required');
  if (given.length > MAX_DESTINATIONS) throw ApiError.invalid('dst', `takes at most ${MAX_DESTINATIONS} numbers`);
  const destinations: string[] = [];
  const seen = new Set<string>();
  const invalidNumbers: string[] = [];
  for (const candidate of given) {
    const e164 = normalizeE164(candidate);
    if (!e164 || !isDestination(e164) || e164 === src) invalidNumbers.push(candidate);
    else if (!seen.has(e164)) {
      seen.add(e164);
      destinations.push(e164);
    }
  }
  if (destinations.length === 0) throw ApiError.invalid('dst', 'has no valid destination: numbers in E.164 format (US and Canadian ones dialable), other than src');
  return { destinations, invalidNumbers };
}

/**
 * A dialable US/Canadian number, or a valid number of another country: those are kept so
 * that geo permissions decide them (450 when barred; without a rate they are then
 * `invalid_number` like any destination Sluice does not route to).
 */
function isDestination(e164: string): boolean {
  return e164.startsWith('1') ? NANP.test(e164) : destinationCountry(e164) !== null;
}

function parseMediaUrls(b: Body, type: MessageType): string[] {
  const value = b['media_urls'];
  if (!present(value)) return [];
  let urls: unknown[];
  if (Array.isArray(value)) urls = value;
  else if (typeof value === 'string') urls = value.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
  else throw ApiError.invalid('media_urls', 'must be a list of URLs');
  if (urls.length === 0) return [];
  if (type !== MessageType.Mms) throw ApiError.invalid('media_urls', 'is only allowed when type is mms');
  if (urls.length > MAX_MEDIA) throw ApiError.invalid('media_urls', `takes at most ${MAX_MEDIA} URLs`);
  return urls.map((u, i) => {
    if (typeof u !== 'string' || !isHttpUrl(u.trim())) throw ApiError.invalid(`media_urls[${i}]`, `must be an http or https URL of at most ${MAX_URL_LENGTH} characters`);
    return u.trim();
  });
}

function parseExpiry(value: unknown): number {
  if (!present(value)) return MESSAGE_EXPIRY.default;
  const n = typeof value === 'string' && /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MESSAGE_EXPIRY.min || n > MESSAGE_EXPIRY.max) {
    throw ApiError.invalid('message_expiry', `must be a whole number of seconds from ${MESSAGE_EXPIRY.min} to ${MESSAGE_EXPIRY.max}`);
  }
  return n;
}

function parseLog(value: unknown): LogMode {
  if (value === undefined || value === null || value === '') return LogMode.All;
  if (value === true) return LogMode.All;
  if (value === false) return LogMode.None;
  const modes: readonly string[] = Object.values(LogMode);
  if (typeof value === 'string' && modes.includes(value.trim().toLowerCase())) return value.trim().toLowerCase() as LogMode;
  throw ApiError.invalid('log', 'must be true, false, "number_only" or "content_only"');
}

function parseBoolean(b: Body, name: string): boolean | undefined {
  const value = b[name];
  if (!present(value)) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw ApiError.invalid(name, 'must be true or false');
}

/** DLT applies to India, where Sluice does not send; the parameters are checked and not used. */
function parseDlt(b: Body): void {
  for (const name of ['dlt_entity_id', 'dlt_template_id']) {
    const value = optionalString(b, name);
    if (value !== undefined && value.length > 100) throw ApiError.invalid(name, 'must be at most 100 characters');
  }
  const category = optionalString(b, 'dlt_template_category')?.toLowerCase();
  if (category !== undefined && !(DLT_TEMPLATE_CATEGORIES as readonly string[]).includes(category)) {
    throw ApiError.invalid('dlt_template_category', `must be one of ${DLT_TEMPLATE_CATEGORIES.join(', ')}`);
  }
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function optionalString(b: Body, name: string, options: { numeric?: boolean; keepEmpty?: boolean } = {}): string | undefined {
  const value = b[name];
  if (value === undefined || value === null || (value === '' && !options.keepEmpty)) return undefined;
  if (options.numeric && isWholeNumber(value)) return String(value);
  if (typeof value !== 'string') throw ApiError.invalid(name, 'must be a string');
  if (value.includes('\u0000')) throw ApiError.invalid(name, 'contains a NUL character');
  return value;
}

function isHttpUrl(value: string): boolean {
  if (value.length > MAX_URL_LENGTH || unsendable(value)) return false;
  try {
    const { protocol, hostname } = new URL(value);
    return (protocol === 'http:' || protocol === 'https:') && hostname.length > 0;
  } catch {
    return false;
  }
}
