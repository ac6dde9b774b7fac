// Operators only: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.expected = config.ADMIN_TOKEN ? digest(config.ADMIN_TOKEN) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    // Hashing both sides makes the comparison constant-time whatever the presented length.
    if (!this.expected || token === undefined || !timingSafeEqual(digest(token), this.expected)) {
      throw new ApiError('Unauthorized', 'admin API: send Authorization: Bearer <ADMIN_TOKEN>');
    }
    return true;
  }
}
