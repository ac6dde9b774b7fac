// The list query (filters, limit, offset), parsed and checked; each problem names its parameter.
import { MessageDirection, MessageState, MessageType } from '@sluice/contracts';
import type { MessageListFilters } from '@sluice/persistence';
import { isUuid } from '@sluice/domain';
import { ApiError } from '../errors/api-error';

export const LIST_LIMIT = { min: 1, max: 20, default: 20 } as const;

export interface ListMessagesQuery {
  readonly filters: MessageListFilters;
  readonly limit: number;
  readonly offset: number;
  /** The filters as given (normalised), for the `next` / `previous` paths. */
  readonly echo: ReadonlyArray<readonly [string, string]>;
}

const TIME_FILTERS = [
  ['message_time__gt', 'timeGt'],
  ['message_time__gte', 'timeGte'],
  ['message_time__lt', 'timeLt'],
  ['message_time__lte', 'timeLte'],
] as const;

/** `2024-05-01 10:00`, `2024-05-01 10:00:00.123456`, with an optional `Z` / `+05:30` (UTC when absent); `T` also accepted. */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const AUTH_ID = /^(MA|SA)[A-Z0-9]{18}$/;

export function parseListQuery(query: unknown): ListMessagesQuery {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const echo: Array<[string, string]> = [];
  const take = (name: string): string | undefined => {
    const value = q[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw ApiError.invalid(name, 'must be given once');
    echo.push([name, value]);
    return value;
  };
  const limit = wholeNumber(q, 'limit', LIST_LIMIT.min, LIST_LIMIT.max) ?? LIST_LIMIT.default;
  const offset = wholeNumber(q, 'offset', 0, 1_000_000_000) ?? 0;

  const filters: { -readonly [K in keyof MessageListFilters]: MessageListFilters[K] } = {};
  const subaccount = take('subaccount');
  if (subaccount !== undefined) {
    if (!AUTH_ID.test(subaccount) || !subaccount.startsWith('SA')) throw ApiError.invalid('subaccount', 'must be a subaccount auth id (SA…)');
    filters.subaccount = subaccount;
  }
  filters.direction = oneOf(take('message_direction'), 'message_direction', Object.values(MessageDirection));
  filters.state = oneOf(take('message_state'), 'message_state', Object.values(MessageState));
  filters.type = oneOf(take('message_type'), 'message_type', [...Object.values(MessageType), 'whatsapp']);
  const errorCode = take('error_code');
  if (errorCode !== undefined) {
    if (!/^\d{1,4}$/.test(errorCode.trim())) throw ApiError.invalid('error_code', 'must be a Plivo message error code, e.g. 420');
    // Stored codes are Plivo's strings ('000', '420'); an unknown code simply matches nothing.
    filters.errorCode = Number(errorCode) === 0 ? '000' : String(Number(errorCode));
  }
  const powerpackId = take('powerpack_id');
  if (powerpackId !== undefined) {
    if (!isUuid(powerpackId)) throw ApiError.invalid('powerpack_id', 'must be a powerpack uuid');
    filters.powerpackId = powerpackId.toLowerCase();
  }
  for (const [name, key] of TIME_FILTERS) {
    const value = take(name);
    if (value !== undefined) filters[key] = parseTimestamp(name, value);
  }
  return { filters, limit, offset, echo };
}

/**
 * The export's query: the list's filters, checked the same way. It has no pages, so
 * `limit` and `offset` are refused rather than ignored: an export asked for 100 rows
 * must not quietly bring millions.
 */
export function parseExportQuery(query: unknown): MessageListFilters {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  for (const name of ['limit', 'offset']) {
    if (q[name] !== undefined) throw ApiError.invalid(name, 'the export has no pages: it streams every message that matches the filters');
  }
  return parseListQuery(q).filters;
}

/** The list path for another page with the same filters (Plivo's `meta.next` / `meta.previous`). */
export function pagePath(authId: string, query: ListMessagesQuery, offset: number): string {
  const params = new URLSearchParams([['limit', String(query.limit)], ['offset', String(offset)], ...query.echo.map(([k, v]): [string, string] => [k, v])]);
  return `/v1/Account/${authId}/Message/?${params.toString()}`;
}

function wholeNumber(q: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = q[name];
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' && /^\s*\d{1,10}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw ApiError.invalid(name, `must be a whole number from ${min} to ${max}`);
  return n;
}

function oneOf<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const lower = value.trim().toLowerCase();
  if (!(allowed as readonly string[]).includes(lower)) throw ApiError.invalid(name, `must be one of ${allowed.join(', ')}`);
  return lower as T;
}

/** A Postgres timestamptz literal; checked here so a bad value is a 400, never a database error. */
export function parseTimestamp(name: string, value: string): string {
  const match = TIMESTAMP.exec(value.trim());
  if (!match) throw ApiError.invalid(name, 'must be a time like 2024-05-01 10:00:00 (UTC unless an offset is given)');
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = match;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  const valid =
    date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(mo) - 1 && date.getUTCDate() === Number(d) && Number(h) < 24 && Number(mi) < 60 && Number(s) < 60;
  if (!valid || Number(y) < 1970 || Number(y) > 9999) throw ApiError.invalid(name, 'is not a valid date and time');
  let offset = '+00:00';
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    const hours = Number(digits.slice(1, 3));
    const minutes = Number(digits.slice(3, 5) || '0');
    if (hours > 14 || minutes > 59) throw ApiError.invalid(name, 'has an invalid UTC offset');
    offset = `${digits[0]}${digits.slice(1, 3)}:${String(minutes).padStart(2, '0')}`;
  }
  return `${y}-${mo}-${d} ${h}:${mi}:${s}${frac ? `.${frac}` : ''}${offset}`;
}
