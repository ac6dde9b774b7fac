// Parses the /simulator query strings; a bad value becomes a 400 `{ error }` naming the parameter.
import { BadRequestException } from '@nestjs/common';
import { normalizeAddress } from './address';
import { CARRIERS, isCarrierId } from './carriers';
import { ALL_STATUSES, StatusFilter, SubmissionFilter, SubmissionStatus } from './submission.store';

export const DEFAULT_LIST_LIMIT = 1_000;
export const MAX_LIST_LIMIT = 100_000;
export const DEFAULT_WINDOW_MS = 1_000;

export interface ListQuery {
  readonly filter: SubmissionFilter;
  readonly limit: number;
}

export interface CountQuery {
  readonly filter: SubmissionFilter;
  readonly windowMs: number;
}

const FILTER_PARAMS = ['destination', 'source', 'carrier', 'since', 'until', 'status'] as const;
const STATUS_VALUES: readonly string[] = [...Object.values(SubmissionStatus), ALL_STATUSES];

export function parseListQuery(query: unknown): ListQuery {
  const params = readParams(query, [...FILTER_PARAMS, 'limit']);
  return { filter: parseFilter(params), limit: parseLimit(params.limit) };
}

export function parseCountQuery(query: unknown): CountQuery {
  const params = readParams(query, [...FILTER_PARAMS, 'windowMs']);
  const windowMs =
    params.windowMs === undefined
      ? DEFAULT_WINDOW_MS
      : wholeNumber(params.windowMs, 'windowMs', 1, Number.MAX_SAFE_INTEGER, 'a positive whole number of milliseconds');
  return { filter: parseFilter(params), windowMs };
}

export function parseDuplicatesQuery(query: unknown): { limit: number } {
  const params = readParams(query, ['limit']);
  return { limit: parseLimit(params.limit) };
}

function parseFilter(params: Readonly<Record<string, string | undefined>>): SubmissionFilter {
  const filter: { -readonly [K in keyof SubmissionFilter]: SubmissionFilter[K] } = {};
  for (const key of ['destination', 'source'] as const) {
    const value = params[key];
    if (value === undefined) continue;
    const address = normalizeAddress(value);
    if (!address) throw badRequest(`${key} must be a number (e.g. 12015550100) or a sender id`);
    filter[key] = address;
  }
  if (params.carrier !== undefined) {
    if (!isCarrierId(params.carrier)) throw badRequest(`carrier must be one of ${Object.keys(CARRIERS).join(', ')}`);
    filter.carrier = params.carrier;
  }
  if (params.status !== undefined) {
    if (!STATUS_VALUES.includes(params.status)) throw badRequest(`status must be one of ${STATUS_VALUES.join(', ')}`);
    filter.status = params.status as StatusFilter;
  }
  if (params.since !== undefined) filter.since = instant(params.since, 'since');
  if (params.until !== undefined) filter.until = instant(params.until, 'until');
  if (filter.since !== undefined && filter.until !== undefined && filter.until < filter.since) {
    throw badRequest('until must not be before since');
  }
  return filter;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIST_LIMIT;
  return wholeNumber(value, 'limit', 1, MAX_LIST_LIMIT, `a whole number from 1 to ${MAX_LIST_LIMIT}`);
}

/** Only known parameters, each given once: a misspelt filter must not silently widen the answer. */
function readParams(query: unknown, allowed: readonly string[]): Record<string, string | undefined> {
  const params: Record<string, string | undefined> = {};
  if (query === null || query === undefined) return params;
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (!allowed.includes(key)) throw badRequest(`${key} is not a known parameter (known: ${allowed.join(', ')})`);
    if (Array.isArray(value)) throw badRequest(`${key} must be given once`);
    if (typeof value !== 'string') throw badRequest(`${key} must be a single value`);
    params[key] = value;
  }
  return params;
}

function wholeNumber(value: string, name: string, min: number, max: number, expected: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`${name} must be ${expected}`);
  return n;
}

/** Epoch milliseconds, or an ISO 8601 date/time (Date.parse alone would take "1" as the year 2001). */
function instant(value: string, name: string): number {
  const trimmed = value.trim();
  const n = /^\d+$/.test(trimmed)
    ? Number(trimmed)
    : /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)
      ? Date.parse(trimmed)
      : NaN;
  if (!Number.isSafeInteger(n)) {
    throw badRequest(`${name} must be epoch milliseconds or an ISO 8601 time (e.g. 2025-01-31T12:00:00Z)`);
  }
  return n;
}

function badRequest(error: string): BadRequestException {
  return new BadRequestException({ error });
}
