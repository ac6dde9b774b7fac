// Parameter readers shared by the Application and Number APIs: JSON or form bodies and query
// strings as the Plivo SDKs send them (booleans as booleans or strings), each problem naming its parameter.
import { ApiError } from '../errors/api-error';

export type Params = Record<string, unknown>;

export const PAGE_LIMIT = { min: 1, max: 20, default: 20 } as const;
const MAX_URL_LENGTH = 2_048;
const AUTH_ID = /^(MA|SA)[A-Z0-9]{18}$/;

export function bodyOf(body: unknown): Params {
  // A DELETE or a form with nothing in it arrives as no body at all.
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError('InvalidParameter', 'request body must be a JSON object (or a form-encoded body)');
  return body as Params;
}

/** Absent or null: undefined. Numbers are taken as their digits (form bodies have only strings). */
export function optionalString(params: Params, name: string, maxLength = 255): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') throw ApiError.invalid(name, 'must be a string');
  if (text.length > maxLength) throw ApiError.invalid(name, `must be at most ${maxLength} characters`);
  if ([...text].some((c) => c.charCodeAt(0) < 0x20)) throw ApiError.invalid(name, 'must not contain control characters');
  return text;
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw ApiError.invalid(name, 'must be true or false');
}

/** An http(s) URL; an empty string clears it (null). */
export function optionalUrl(params: Params, name: string): string | null | undefined {
  const value = optionalString(params, name, MAX_URL_LENGTH);
  if (value === undefined) return undefined;
  if (value.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw ApiError.invalid(name, `must be an http or https URL of at most ${MAX_URL_LENGTH} characters`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw ApiError.invalid(name, `must be an http or https URL of at most ${MAX_URL_LENGTH} characters`);
  return value;
}

export function optionalMethod(params: Params, name: string): 'GET' | 'POST' | undefined {
  const value = optionalString(params, name)?.trim().toUpperCase();
  if (value === undefined || value === '') return undefined;
  if (value !== 'GET' && value !== 'POST') throw ApiError.invalid(name, 'must be GET or POST');
  return value;
}

/** A subaccount auth id (SA…). */
export function optionalSubaccount(params: Params, name = 'subaccount'): string | undefined {
  const value = optionalString(params, name)?.trim();
  if (value === undefined || value === '') return undefined;
  if (!AUTH_ID.test(value) || !value.startsWith('SA')) throw ApiError.invalid(name, 'must be a subaccount auth id (SA…)');
  return value;
}

export interface Page {
  readonly limit: number;
  readonly offset: number;
}

export function pageOf(query: Params): Page {
  return { limit: wholeNumber(query, 'limit', PAGE_LIMIT.min, PAGE_LIMIT.max) ?? PAGE_LIMIT.default, offset: wholeNumber(query, 'offset', 0, 1_000_000_000) ?? 0 };
}

/** Plivo's list `meta`: `next` / `previous` are paths that keep the filters. */
export function listMeta(path: string, page: Page, total: number, filters: ReadonlyArray<readonly [string, string]>) {
  const at = (offset: number) => `${path}?${new URLSearchParams([['limit', String(page.limit)], ['offset', String(offset)], ...filters.map(([k, v]): [string, string] => [k, v])]).toString()}`;
  return {
    limit: page.limit,
    offset: page.offset,
    total_count: total,
    previous: page.offset > 0 ? at(Math.max(0, page.offset - page.limit)) : null,
    next: page.offset + page.limit < total ? at(page.offset + page.limit) : null,
  };
}

function wholeNumber(params: Params, name: string, min: number, max: number): number | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d{1,10}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw ApiError.invalid(name, `must be a whole number from ${min} to ${max}`);
  return n;
}
