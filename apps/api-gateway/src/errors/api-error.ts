// API errors in Plivo's JSON shape: {"api_id": "...", "error": "..."}; one code per HTTP answer the API gives.
import { HttpException, HttpStatus } from '@nestjs/common';

export const ApiErrorCode = {
  InvalidParameter: HttpStatus.BAD_REQUEST,
  Unauthorized: HttpStatus.UNAUTHORIZED,
  Forbidden: HttpStatus.FORBIDDEN,
  NotFound: HttpStatus.NOT_FOUND,
  MethodNotAllowed: HttpStatus.METHOD_NOT_ALLOWED,
  Conflict: HttpStatus.CONFLICT,
  TooManyRequests: HttpStatus.TOO_MANY_REQUESTS,
  ServerError: HttpStatus.INTERNAL_SERVER_ERROR,
  Unavailable: HttpStatus.SERVICE_UNAVAILABLE,
} as const;
export type ApiErrorCode = keyof typeof ApiErrorCode;

export class ApiError extends HttpException {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After on 429 and 503. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message, ApiErrorCode[code]);
  }

  /** A 400 that names the parameter: `dst: is required`. */
  static invalid(parameter: string, problem: string): ApiError {
    return new ApiError('InvalidParameter', `${parameter}: ${problem}`);
  }

  static notFound(what = 'resource'): ApiError {
    return new ApiError('NotFound', `${what} not found`);
  }
}
