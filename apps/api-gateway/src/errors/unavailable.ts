// Which failures mean "a store the gateway depends on is briefly out of reach" (Postgres, Redis or
// Kafka restarting, a connection dropped), answered 503 with Retry-After instead of 500: the
// client's request was fine and the same request will succeed once the store is back.

/** Node socket errors of a connection that could not be made or was lost. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTCONN']);

/**
 * Postgres SQLSTATEs of a server that is not there for now: class 08 (connection exception),
 * 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections).
 */
const PG_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;

/** Messages of the pg, ioredis and kafkajs clients when their connection is gone or never came. */
const CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /^Connection is closed\.?$/,
  /Stream isn't writeable/,
  /^Reached the max retries per request limit/,
  /Client network socket disconnected/,
  /^Cannot use a pool after calling end/,
];

/** kafkajs error classes of a broker that cannot be reached (their `name`). */
const KAFKA_UNAVAILABLE = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSBrokerNotFound', 'KafkaJSLockTimeout']);

interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  /** TypeORM's QueryFailedError keeps the driver's error here. */
  readonly driverError?: unknown;
  /** AggregateError (a connection tried on several addresses). */
  readonly errors?: unknown;
}

/** True when `error` (or an error it wraps) says a backing store is out of reach for now. */
export function isStoreUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const e = error as ErrorLike;
  if (typeof e.code === 'string' && (SOCKET_CODES.has(e.code) || PG_UNAVAILABLE.test(e.code))) return true;
  if (typeof e.name === 'string' && (KAFKA_UNAVAILABLE.has(e.name) || e.name === 'MaxRetriesPerRequestError')) return true;
  if (typeof e.message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(e.message as string))) return true;
  const wrapped = [e.cause, e.driverError, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])];
  return wrapped.some((inner) => isStoreUnavailable(inner, depth + 1));
}
