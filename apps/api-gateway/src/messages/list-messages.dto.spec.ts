import { ApiError } from '../errors/api-error';
import { pagePath, parseExportQuery, parseListQuery, parseTimestamp } from './list-messages.dto';

function problem(query: Record<string, unknown>): string {
  try {
    parseListQuery(query);
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).getStatus()).toBe(400);
    return (error as ApiError).message;
  }
  throw new Error('expected a 400');
}

describe('parseListQuery', () => {
  it('defaults to limit 20, offset 0 and no filters', () => {
    expect(parseListQuery({})).toEqual({ filters: {}, limit: 20, offset: 0, echo: [] });
  });

  it('normalises every filter and keeps them for the next page', () => {
    const query = parseListQuery({
      limit: '5',
      offset: '10',
      subaccount: 'SAABCDEFGHIJKLMNOPQR',
      message_direction: 'OUTBOUND',
      message_state: 'failed',
      message_type: 'sms',
      error_code: '0',
      powerpack_id: 'D2C9B7A6-1B2C-4D3E-8F90-1A2B3C4D5E6F',
      message_time__gte: '2024-05-01 10:00',
      message_time__lt: '2024-05-02T00:00:00.5+05:30',
    });
    expect(query.filters).toEqual({
      subaccount: 'SAABCDEFGHIJKLMNOPQR',
      direction: 'outbound',
      state: 'failed',
      type: 'sms',
      errorCode: '000',
      powerpackId: 'd2c9b7a6-1b2c-4d3e-8f90-1a2b3c4d5e6f',
      timeGte: '2024-05-01 10:00:00+00:00',
      timeLt: '2024-05-02 00:00:00.5+05:30',
    });
    expect(pagePath('MAABCDEFGHIJKLMNOPQR', query, 15)).toBe(
      '/v1/Account/MAABCDEFGHIJKLMNOPQR/Message/?limit=5&offset=15&subaccount=SAABCDEFGHIJKLMNOPQR&message_direction=OUTBOUND&message_state=failed&message_type=sms&error_code=0&powerpack_id=D2C9B7A6-1B2C-4D3E-8F90-1A2B3C4D5E6F&message_time__gte=2024-05-01+10%3A00&message_time__lt=2024-05-02T00%3A00%3A00.5%2B05%3A30',
    );
  });

  it('writes error codes the way they are stored', () => {
    expect(parseListQuery({ error_code: '420' }).filters.errorCode).toBe('420');
    expect(parseListQuery({ error_code: '000' }).filters.errorCode).toBe('000');
  });

  // Every 400 the list can give.
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['limit 0', { limit: '0' }, /^limit: must be a whole number from 1 to 20/],
    ['limit 21', { limit: '21' }, /^limit: must be a whole number from 1 to 20/],
    ['limit as words', { limit: 'ten' }, /^limit: must be a whole number/],
    ['a negative offset', { offset: '-1' }, /^offset: must be a whole number from 0/],
    ['a fractional offset', { offset: '1.5' }, /^offset: must be a whole number/],
    ['a repeated filter', { message_state: ['sent', 'failed'] }, /^message_state: must be given once/],
    ['a main account as subaccount', { subaccount: 'MAABCDEFGHIJKLMNOPQR' }, /^subaccount: must be a subaccount auth id/],
    ['a malformed subaccount', { subaccount: 'SA1' }, /^subaccount: must be a subaccount auth id/],
    ['an unknown direction', { message_direction: 'sideways' }, /^message_direction: must be one of outbound, inbound/],
    ['an unknown state', { message_state: 'lost' }, /^message_state: must be one of/],
    ['an unknown type', { message_type: 'fax' }, /^message_type: must be one of sms, mms, whatsapp/],
    ['an error code that is not a number', { error_code: 'abc' }, /^error_code: must be a Plivo message error code/],
    ['a malformed powerpack id', { powerpack_id: 'x' }, /^powerpack_id: must be a powerpack uuid/],
    ['a time that is not a time', { message_time__gt: 'yesterday' }, /^message_time__gt: must be a time like/],
    ['an impossible date', { message_time__gte: '2024-02-30 10:00' }, /^message_time__gte: is not a valid date and time/],
    ['an impossible hour', { message_time__lt: '2024-02-01 24:00' }, /^message_time__lt: is not a valid date and time/],
    ['an impossible offset', { message_time__lte: '2024-02-01 10:00+15:00' }, /^message_time__lte: has an invalid UTC offset/],
  ])('answers 400 for %s', (_case, query, expected) => {
    expect(problem(query)).toMatch(expected);
  });

  it('reads a time without an offset as UTC', () => {
    expect(parseTimestamp('t', '2024-05-01 10:00:00.123456')).toBe('2024-05-01 10:00:00.123456+00:00');
    expect(parseTimestamp('t', '2024-05-01')).toBe('2024-05-01 00:00:00+00:00');
    expect(parseTimestamp('t', '2024-05-01 10:00:00Z')).toBe('2024-05-01 10:00:00+00:00');
    expect(parseTimestamp('t', '2024-05-01 10:00:00-0700')).toBe('2024-05-01 10:00:00-07:00');
  });
});

describe('parseExportQuery', () => {
  it('takes the list filters, checked the same way', () => {
    expect(parseExportQuery({ message_state: 'FAILED', error_code: '420' })).toEqual({ state: 'failed', errorCode: '420' });
    expect(() => parseExportQuery({ message_state: 'lost' })).toThrow('message_state: must be one of');
  });

  it('refuses limit and offset: the export has no pages', () => {
    expect(() => parseExportQuery({ limit: '20' })).toThrow('limit: the export has no pages');
    expect(() => parseExportQuery({ offset: '0' })).toThrow('offset: the export has no pages');
  });
});
