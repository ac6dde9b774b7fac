// Answers 429 once an account exceeds its API request rate.
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ApiError } from '../errors/api-error';
import { ApiRateLimiter } from './api-rate.limiter';
import { AuthenticatedRequest, callerOf } from './basic-auth.guard';

@Injectable()
export class ApiRateGuard implements CanActivate {
  constructor(private readonly limiter: ApiRateLimiter) {}

  canActivate(context: ExecutionContext): boolean {
    const caller = callerOf(context.switchToHttp().getRequest<AuthenticatedRequest>());
    const waitMs = this.limiter.check(caller.authId, caller.apiRequestRate);
    if (waitMs > 0) {
      throw new ApiError('TooManyRequests', 'too many requests: the API request rate of this account is exceeded', {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
      });
    }
    return true;
  }
}
