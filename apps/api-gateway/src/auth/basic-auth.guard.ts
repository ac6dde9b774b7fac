// HTTP Basic auth against the accounts table: the auth id in the path must be the caller's own.
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { tokenMatches } from '@sluice/persistence';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error';
import { AccountDirectory } from './account-directory';

export interface Caller {
  readonly authId: string;
  /** Set for a subaccount: its main account. */
  readonly parentAuthId: string | null;
  /** The main account: the caller itself, or its parent. */
  readonly rootAuthId: string;
  readonly isSubaccount: boolean;
  /** API requests per second, null for the gateway default. */
  readonly apiRequestRate: number | null;
}

export interface AuthenticatedRequest extends FastifyRequest {
  caller?: Caller;
}

/** The caller a guarded handler runs for; the guard guarantees it is set. */
export function callerOf(request: AuthenticatedRequest): Caller {
  if (!request.caller) throw new ApiError('Unauthorized', 'authentication required: HTTP Basic with your auth id and auth token');
  return request.caller;
}

const AUTH_ID = /^(MA|SA)[A-Z0-9]{18}$/;

@Injectable()
export class BasicAuthGuard implements CanActivate {
  constructor(private readonly directory: AccountDirectory) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const credentials = parseBasic(request.headers.authorization);
    if (!credentials) throw new ApiError('Unauthorized', 'authentication required: HTTP Basic with your auth id and auth token');
    const account = AUTH_ID.test(credentials.authId) ? await this.directory.lookup(credentials.authId) : null;
    // One answer for an unknown id, a wrong token and a disabled account: nothing to probe.
    if (!account || !account.enabled || !tokenMatches(credentials.token, account.tokenSha256)) {
      throw new ApiError('Unauthorized', 'authentication failed: wrong auth id or auth token');
    }
    const pathAuthId = (request.params as Record<string, string | undefined>)['authId'];
    if (pathAuthId !== undefined && pathAuthId !== credentials.authId) {
      throw new ApiError('Unauthorized', 'the auth id in the path does not match the credentials');
    }
    request.caller = {
      authId: account.authId,
      parentAuthId: account.parentAuthId,
      rootAuthId: account.parentAuthId ?? account.authId,
      isSubaccount: account.parentAuthId !== null,
      apiRequestRate: account.apiRequestRate,
    };
    return true;
  }
}

function parseBasic(header: string | undefined): { authId: string; token: string } | null {
  if (!header || header.length > 1024 || !/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const authId = decoded.slice(0, colon);
  const token = decoded.slice(colon + 1);
  return authId.length > 0 && token.length > 0 ? { authId, token } : null;
}
