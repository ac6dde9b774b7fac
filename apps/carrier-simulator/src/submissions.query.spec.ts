import { BadRequestException } from '@nestjs/common';
import { parseCountQuery, parseDuplicatesQuery, parseListQuery } from './submissions.query';

function errorOf(parse: () => unknown): unknown {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).getResponse();
  }
  throw new Error('expected a 400');
}

describe('submission queries', () => {
  it('applies defaults', () => {
    expect(parseListQuery({})).toEqual({ filter: {}, limit: 1000 });
    expect(parseCountQuery(undefined)).toEqual({ filter: {}, windowMs: 1000 });
    expect(parseDuplicatesQuery({})).toEqual({ limit: 1000 });
  });

  it('normalises numbers the way they are stored', () => {
    // An unencoded "+" arrives as a space.
    expect(parseListQuery({ destination: ' 12015550100', source: '+1 202-555-0100' }).filter).toEqual({
      destination: '12015550100',
      source: '12025550100',
    });
  });

  it('takes epoch milliseconds or ISO 8601 times', () => {
    expect(parseCountQuery({ since: '1700000000000', until: '2025-01-31T12:00:00Z', windowMs: '60000' })).toEqual({
      filter: { since: 1_700_000_000_000, until: Date.UTC(2025, 0, 31, 12) },
      windowMs: 60_000,
    });
  });

  it.each([
    [{ limit: '0' }, 'limit must be a whole number from 1 to 100000'],
    [{ limit: '100001' }, 'limit must be a whole number from 1 to 100000'],
    [{ limit: '1.5' }, 'limit must be a whole number from 1 to 100000'],
    [{ limit: ['1', '2'] }, 'limit must be given once'],
    [{ carrier: 'sprint' }, 'carrier must be one of att, tmobile, verizon, rogers, unknown'],
    [{ since: 'yesterday' }, 'since must be epoch milliseconds or an ISO 8601 time (e.g. 2025-01-31T12:00:00Z)'],
    [{ since: '1' , until: '0' }, 'until must not be before since'],
    [{ destination: '' }, 'destination must be a number (e.g. 12015550100) or a sender id'],
    [{ status: 'ok' }, 'status must be one of accepted, throttled, rejected, unanswered, all'],
    [{ dst: '1' }, 'dst is not a known parameter (known: destination, source, carrier, since, until, status, limit)'],
  ])('refuses %p', (query, error) => {
    expect(errorOf(() => parseListQuery(query))).toEqual({ error });
  });

  it('filters on a submission status, or on all of them', () => {
    expect(parseListQuery({ status: 'throttled' }).filter).toEqual({ status: 'throttled' });
    expect(parseCountQuery({ status: 'all' }).filter).toEqual({ status: 'all' });
  });

  it('refuses a bad window', () => {
    expect(errorOf(() => parseCountQuery({ windowMs: '-5' }))).toEqual({
      error: 'windowMs must be a positive whole number of milliseconds',
    });
    expect(errorOf(() => parseCountQuery({ limit: '5' }))).toEqual({
      error: 'limit is not a known parameter (known: destination, source, carrier, since, until, status, windowMs)',
    });
  });
});
