import { isStoreUnavailable } from './unavailable';

const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });
const named = (name: string, message = 'x'): Error => Object.assign(new Error(message), { name });

describe('isStoreUnavailable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', withCode('ECONNRESET')],
    ['Postgres shutting down (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['Postgres starting up (57P03)', withCode('57P03', 'the database system is starting up')],
    ['a Postgres connection exception (08006)', withCode('08006')],
    ['too many connections (53300)', withCode('53300')],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['pg: pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['ioredis: closed connection', new Error('Connection is closed.')],
    ['ioredis: retries exhausted', named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.')],
    ['kafkajs: broker unreachable', named('KafkaJSConnectionError')],
    ['kafkajs: request timed out', named('KafkaJSRequestTimeoutError')],
    ['TypeORM wrapping a driver error', Object.assign(new Error('query failed'), { driverError: withCode('57P01') })],
    ['an error with a cause', new Error('lookup failed', { cause: withCode('ECONNREFUSED') })],
    ['an AggregateError of refused addresses', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed')],
  ])('is true for %s', (_name, error) => {
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it.each([
    ['a plain Error', new Error('boom')],
    ['a unique violation (23505)', withCode('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error (42601)', withCode('42601')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    ['an unrelated kafkajs error', named('KafkaJSNonRetriableError')],
  ])('is false for %s', (_name, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
  });

  it('stops at a cycle of causes', () => {
    const a: { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isStoreUnavailable(a)).toBe(false);
  });
});
