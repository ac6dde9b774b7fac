// Turns every error into Plivo's JSON error body; a 500 carries an id that is logged with the cause.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const apiId = randomUUID();
    const { status, error } = this.describe(exception, apiId);
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send({ api_id: apiId, error });
  }

  private describe(exception: unknown, apiId: string): { status: number; error: string } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : exception.message;
      if (status === HttpStatus.NOT_FOUND && /^Cannot (GET|POST|PUT|DELETE|PATCH)/.test(message)) {
        return { status, error: 'not found' };
      }
      return { status, error: message };
    }
    // Fastify's own errors (bad JSON, body too large, unsupported content type) are the client's.
    const fastifyError = exception as FastifyLikeError;
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      return { status: fastifyError.statusCode, error: describeFastifyError(fastifyError) };
    }
    this.logger.error({ err: exception, errorId: apiId }, 'unhandled error');
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, error: `internal error (id ${apiId})` };
  }
}

function describeFastifyError(error: FastifyLikeError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type: send application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body too large';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty: send a JSON object';
    default:
      return error.code?.startsWith('FST_ERR_CTP') || error.statusCode === 400 ? `malformed request body: ${error.message ?? ''}`.trim() : (error.message ?? 'bad request');
  }
}
