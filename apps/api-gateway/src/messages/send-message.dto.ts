// The send request's parameters, parsed into one typed command; each problem names its parameter.
import { CallbackMethod, LogMode, MessageType } from '@sluice/contracts';
import { normalizeE164 } from '@sluice/domain';
import { ApiError } from '../errors/api-error';

export const MESSAGE_EXPIRY = { min: 5, max: 10_799, default: 10_800 } as const;
export const MAX_DESTINATIONS = 1_000;

export interface SendMessageCommand {
  readonly src: string;
  readonly destinations: readonly string[];
  readonly invalidNumbers: readonly string[];
  readonly text: string;
  readonly type: MessageType;
  readonly url: string | null;
  readonly method: CallbackMethod;
  readonly messageExpiry: number;
  readonly log: LogMode;
}

type Body = Record<string, unknown>;

export function parseSendMessage(body: unknown): SendMessageCommand {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('InvalidParameter', 'request body must be a JSON object');
  }
  const b = body as Body;
  const type = optionalEnum(b, 'type', [MessageType.Sms, MessageType.Mms]) ?? MessageType.Sms;
  if (type === MessageType.Mms) throw ApiError.invalid('type', 'mms is not supported yet');
  if (b['powerpack_uuid'] !== undefined) throw ApiError.invalid('powerpack_uuid', 'powerpacks are not supported yet; send src');
  const srcRaw = requiredString(b, 'src');
  const src = normalizeE164(srcRaw) ?? (/^\d{5,6}$/.test(srcRaw) ? srcRaw : null);
  if (!src) throw ApiError.invalid('src', 'must be a phone number in E.164 format or a short code');
  const { destinations, invalidNumbers } = parseDestinations(requiredString(b, 'dst'), src);
  const text = requiredString(b, 'text');
  const url = optionalString(b, 'url');
  if (url !== undefined && !isHttpUrl(url)) throw ApiError.invalid('url', 'must be an http or https URL');
  const methodRaw = optionalString(b, 'method')?.toUpperCase();
  if (methodRaw !== undefined && methodRaw !== 'GET' && methodRaw !== 'POST') throw ApiError.invalid('method', 'must be GET or POST');
  return {
    src,
    destinations,
    invalidNumbers,
    text,
    type,
    url: url ?? null,
    method: methodRaw === 'GET' ? CallbackMethod.Get : CallbackMethod.Post,
    messageExpiry: parseExpiry(b['message_expiry']),
    log: parseLog(b['log']),
  };
}

function parseDestinations(dst: string, src: string): { destinations: string[]; invalidNumbers: string[] } {
  const raw = [...new Set(dst.split('<').map((d) => d.trim()).filter((d) => d.length > 0))];
  if (raw.length === 0) throw ApiError.invalid('dst', 'is required');
  if (raw.length > MAX_DESTINATIONS) throw ApiError.invalid('dst', `takes at most ${MAX_DESTINATIONS} numbers`);
  const destinations: string[] = [];
  const invalidNumbers: string[] = [];
  for (const candidate of raw) {
    const normalized = normalizeE164(candidate);
    if (normalized && normalized !== src && !destinations.includes(normalized)) destinations.push(normalized);
    else if (!normalized || normalized === src) invalidNumbers.push(candidate);
  }
  if (destinations.length === 0) throw ApiError.invalid('dst', 'has no valid destination number (E.164, different from src)');
  return { destinations, invalidNumbers };
}

function parseExpiry(value: unknown): number {
  if (value === undefined || value === null || value === '') return MESSAGE_EXPIRY.default;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MESSAGE_EXPIRY.min || n > MESSAGE_EXPIRY.max) {
    throw ApiError.invalid('message_expiry', `must be a whole number of seconds from ${MESSAGE_EXPIRY.min} to ${MESSAGE_EXPIRY.max}`);
  }
  return n;
}

function parseLog(value: unknown): LogMode {
  if (value === undefined || value === null) return LogMode.All;
  if (value === true) return LogMode.All;
  if (value === false) return LogMode.None;
  const modes: readonly string[] = Object.values(LogMode);
  if (typeof value === 'string' && modes.includes(value.toLowerCase())) return value.toLowerCase() as LogMode;
  throw ApiError.invalid('log', 'must be true, false, "number_only" or "content_only"');
}

function requiredString(b: Body, name: string): string {
  const value = b[name];
  if (value === undefined || value === null || value === '') throw ApiError.invalid(name, 'is required');
  if (typeof value !== 'string') throw ApiError.invalid(name, 'must be a string');
  return value;
}

function optionalString(b: Body, name: string): string | undefined {
  const value = b[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw ApiError.invalid(name, 'must be a string');
  return value;
}

function optionalEnum<T extends string>(b: Body, name: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(b, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw ApiError.invalid(name, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
