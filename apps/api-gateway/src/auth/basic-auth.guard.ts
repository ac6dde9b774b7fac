// HTTP Basic auth against the accounts table: the auth id in the path must be the caller's own.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AccountRepository, tokenMatches } from '@sluice/persistence';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

export interface AuthenticatedRequest extends FastifyRequest {
  account?: { authId: string; parentAuthId: string | null };
}

interface CachedAccount {
  readonly tokenSha256: string;
  readonly parentAuthId: string | null;
  readonly enabled: boolean;
  readonly expiresAt: number;
}

@Injectable()
export class BasicAuthGuard implements CanActivate {
  private readonly cache = new Map<string, CachedAccount>();

  constructor(
    private readonly accounts: AccountRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const credentials = parseBasic(request.headers.authorization);
    if (!credentials) throw new ApiError('Unauthorized', 'authentication required: HTTP Basic with your auth id and auth token');
    const account = await this.lookup(credentials.authId);
    if (!account || !account.enabled || !tokenMatches(credentials.token, account.tokenSha256)) {
      throw new ApiError('Unauthorized', 'authentication failed: wrong auth id or auth token');
    }
    const pathAuthId = (request.params as Record<string, string | undefined>)['authId'];
    if (pathAuthId !== undefined && pathAuthId !== credentials.authId) {
      throw new ApiError('Unauthorized', 'the auth id in the path does not match the credentials');
    }
    request.account = { authId: credentials.authId, parentAuthId: account.parentAuthId };
    return true;
  }

  private async lookup(authId: string): Promise<CachedAccount | null> {
    const cached = this.cache.get(authId);
    if (cached && cached.expiresAt > Date.now()) return cached;
    const entity = await this.accounts.findOne(authId);
    if (!entity) return null;
    const fresh: CachedAccount = {
      tokenSha256: entity.authTokenSha256,
      parentAuthId: entity.parentAuthId,
      enabled: entity.enabled,
      expiresAt: Date.now() + this.config.AUTH_CACHE_TTL_MS,
    };
    this.cache.set(authId, fresh);
    return fresh;
  }
}

const AUTH_ID = /^(MA|SA)[A-Z0-9]{18}$/;

function parseBasic(header: string | undefined): { authId: string; token: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const authId = decoded.slice(0, colon);
  const token = decoded.slice(colon + 1);
  return AUTH_ID.test(authId) && token.length > 0 ? { authId, token } : null;
}
