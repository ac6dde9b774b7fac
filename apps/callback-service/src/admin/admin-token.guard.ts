// Bearer-token guard for the operator endpoints: ADMIN_TOKEN, compared in constant time.
import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { CALLBACK_CONFIG, CallbackConfig } from '../callback.config';

@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(CALLBACK_CONFIG) config: CallbackConfig) {
    this.expected = config.ADMIN_TOKEN === undefined ? null : digest(config.ADMIN_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) throw new ForbiddenException({ error: 'the admin API is off: set ADMIN_TOKEN to enable it' });
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (presented && timingSafeEqual(digest(presented), this.expected)) return true;
    void context.switchToHttp().getResponse<FastifyReply>().header('www-authenticate', 'Bearer');
    throw new UnauthorizedException({ error: 'a valid admin bearer token is required' });
  }
}

/** Equal-length digests, so the comparison takes the same time whatever was presented. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
