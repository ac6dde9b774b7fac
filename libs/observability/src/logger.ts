// Structured logs that never carry message content, full numbers or credentials.
import type { Params } from 'nestjs-pino';
import type { ObservabilityOptions } from './observability.options';

/** Any field with one of these names is replaced before a line is written. */
export const REDACTED_FIELDS = ['text', 'src', 'dst', 'to', 'from', 'fromNumber', 'toNumber', 'authToken', 'password', 'body'];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'res.headers["set-cookie"]',
  ...REDACTED_FIELDS,
  ...REDACTED_FIELDS.map((field) => `*.${field}`),
];

/**
 * Probes and scrapes get no request logger. Binding one runs the request in an
 * AsyncLocalStorage, and the first `run` turns on Node's promise hooks for good: every
 * promise of the process pays for them from then on, in the apps whose only HTTP requests
 * these are as much as anywhere.
 */
export const UNLOGGED_ROUTES = ['health', 'health/live', 'health/ready', 'metrics'];

/** Levels at which pino-http writes its line for each request (it writes them at `info`). */
const REQUEST_LINE_LEVELS: ReadonlySet<string> = new Set(['info', 'debug', 'trace']);

export function loggerOptions({ service, logLevel }: ObservabilityOptions): Params {
  return {
    exclude: UNLOGGED_ROUTES,
    // Above `info` no request line is ever written, so no request gets a request logger: the
    // AsyncLocalStorage it runs in (see UNLOGGED_ROUTES) and pino-http's per-request child
    // logger bought nothing; the async hooks alone took about 4 % of the gateway's CPU in a
    // profile at 500/s. Warnings and errors are logged all the same, without the request's id.
    ...(REQUEST_LINE_LEVELS.has(logLevel) ? {} : { forRoutes: [] }),
    pinoHttp: {
      level: logLevel,
      base: { service },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Under Fastify, pino-http sees the path in `originalUrl`.
      autoLogging: {
        ignore: (req) => {
          const path = ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0] ?? '';
          return path === '/metrics' || path.startsWith('/health');
        },
      },
      serializers: {
        // The URL path holds only ids; query strings may hold filters with numbers.
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url.split('?')[0],
        }),
      },
    },
  };
}
