// API errors in Plivo's JSON shape: {"api_id": "...", "error": "..."}.
import { HttpException, HttpStatus } from '@nestjs/common';

export const ApiErrorCode = {
  InvalidParameter: HttpStatus.BAD_REQUEST,
  Unauthorized: HttpStatus.UNAUTHORIZED,
  NotFound: HttpStatus.NOT_FOUND,
  MethodNotAllowed: HttpStatus.METHOD_NOT_ALLOWED,
  TooManyRequests: HttpStatus.TOO_MANY_REQUESTS,
  ServerError: HttpStatus.INTERNAL_SERVER_ERROR,
  Unavailable: HttpStatus.SERVICE_UNAVAILABLE,
} as const;
export type ApiErrorCode = keyof typeof ApiErrorCode;

export class ApiError extends HttpException {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message, ApiErrorCode[code]);
  }

  static invalid(parameter: string, problem: string): ApiError {
    return new ApiError('InvalidParameter', `${parameter}: ${problem}`);
  }
}
