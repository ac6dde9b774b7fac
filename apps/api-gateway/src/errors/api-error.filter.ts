// Turns every error into Plivo's JSON error body; a 500 carries an id that is logged with the cause.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error';
import { isStoreUnavailable } from './unavailable';

const UNSUPPORTED_CONTENT_TYPE = 'unsupported content type: send application/json or application/x-www-form-urlencoded';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

export interface ErrorBody {
  readonly status: number;
  readonly error: string;
  readonly headers?: Readonly<Record<string, string>>;
}

@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const apiId = randomUUID();
    const { status, error, headers } = describeError(exception, apiId, (cause) => this.logger.error({ err: cause, errorId: apiId }, 'unhandled error'), request);
    void reply
      .status(status)
      .headers({ ...headers, 'content-type': 'application/json; charset=utf-8' })
      .send({ api_id: apiId, error });
  }
}

/** Shared with the Fastify-level handlers (bad URLs, parse errors before routing). */
/** Resources of the public API and the methods each allows: another method on them is a 405, not a 404. */
const RESOURCES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/v1\/Account\/[^/]+\/Message\/?$/, 'GET, POST'],
  [/^\/v1\/Account\/[^/]+\/Message\/[^/]+(\/Media)?\/?$/, 'GET'],
  [/^\/v1\/Account\/[^/]+\/Application\/?$/, 'GET, POST'],
  [/^\/v1\/Account\/[^/]+\/Application\/[^/]+\/?$/, 'GET, POST, DELETE'],
  [/^\/v1\/Account\/[^/]+\/Number\/?$/, 'GET'],
  [/^\/v1\/Account\/[^/]+\/Number\/[^/]+\/?$/, 'GET, POST'],
];

export function describeError(exception: unknown, apiId: string, logUnexpected: (cause: unknown) => void, request?: FastifyRequest): ErrorBody {
  if (exception instanceof ApiError) {
    return { status: exception.getStatus(), error: exception.message, headers: exception.headers };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : exception.message;
    if (status === HttpStatus.NOT_FOUND && /^Cannot [A-Z]+ /.test(message)) {
      const path = (request?.url ?? '').split('?')[0] ?? '';
      const allowed = RESOURCES.find(([pattern]) => pattern.test(path))?.[1];
      if (allowed) return { status: HttpStatus.METHOD_NOT_ALLOWED, error: 'method not allowed on this resource', headers: { allow: allowed } };
      return { status, error: 'not found' };
    }
    if (status === HttpStatus.UNSUPPORTED_MEDIA_TYPE) return { status, error: UNSUPPORTED_CONTENT_TYPE };
    if (status === HttpStatus.PAYLOAD_TOO_LARGE) return { status, error: 'request body too large' };
    return { status, error: message };
  }
  // Fastify's own errors (bad JSON, body too large, unsupported content type) are the client's.
  const fastifyError = exception as FastifyLikeError;
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, error: describeFastifyError(fastifyError) };
  }
  // Postgres, Redis or Kafka briefly out of reach: the request was fine and will succeed when retried.
  if (isStoreUnavailable(exception)) return { status: HttpStatus.SERVICE_UNAVAILABLE, error: 'temporarily unavailable; retry', headers: { 'retry-after': '1' } };
  logUnexpected(exception);
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, error: `internal error (id ${apiId})` };
}

function describeFastifyError(error: FastifyLikeError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return UNSUPPORTED_CONTENT_TYPE;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body too large';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty: send a JSON object';
    case 'FST_ERR_BAD_URL':
      return 'malformed URL';
    default:
      return error.code?.startsWith('FST_ERR_CTP') || error.statusCode === 400
        ? `malformed request body: ${error.message ?? ''}`.trim()
        : (error.message ?? 'bad request');
  }
}
