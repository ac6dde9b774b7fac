// Accounts and subaccounts for operators: create, settings (MPS, API request rate, enabled), token rotation.
import { Inject, Injectable } from '@nestjs/common';
import { z } from '@sluice/config';
import { must } from '@sluice/contracts';
import { AccountAdminRepository, AccountRepository } from '@sluice/persistence';
import { ApiError } from '../errors/api-error';
import { ConfigChangeHub } from '../config-sync/config-change.hub';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import type { createAccountSchema, updateAccountSchema } from './admin.dto';
import { accountView, page } from './admin.views';

@Injectable()
export class AccountsAdminService {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly admin: AccountAdminRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly changes: ConfigChangeHub,
  ) {}

  /** The token is returned once; only its hash (and, with ACCOUNT_TOKEN_KEY, its sealed form) is stored. */
  async create(input: z.output<typeof createAccountSchema>, parentAuthId?: string) {
    if (parentAuthId !== undefined) {
      const parent = await this.admin.get(parentAuthId);
      if (!parent) throw ApiError.notFound('account');
      if (parent.parentAuthId !== null) throw ApiError.invalid('auth_id', 'a subaccount cannot have subaccounts');
    }
    const created = await this.accounts.create({
      name: input.name,
      ...(parentAuthId ? { parentAuthId } : {}),
      ...(input.sms_mps !== undefined ? { smsMps: input.sms_mps } : {}),
      ...(input.mms_mps !== undefined ? { mmsMps: input.mms_mps } : {}),
      ...(this.config.ACCOUNT_TOKEN_KEY ? { tokenKey: this.config.ACCOUNT_TOKEN_KEY } : {}),
    });
    const account =
      input.api_request_rate !== undefined || input.enabled === false
        ? await this.admin.update(created.authId, {
            ...(input.api_request_rate !== undefined ? { apiRequestRate: input.api_request_rate } : {}),
            ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          })
        : await this.admin.get(created.authId);
    return { ...accountView(must(account, 'the account just created')), auth_token: created.authToken };
  }

  async list(parentAuthId: string | null, limit: number, offset: number) {
    if (parentAuthId !== null && !(await this.admin.get(parentAuthId))) throw ApiError.notFound('account');
    const { accounts, total } = await this.admin.list(parentAuthId, limit, offset);
    return page(accounts.map(accountView), total, limit, offset);
  }

  async get(authId: string) {
    const account = await this.admin.get(authId);
    if (!account) throw ApiError.notFound('account');
    return accountView(account);
  }

  async update(authId: string, patch: z.output<typeof updateAccountSchema>) {
    const account = await this.admin.update(authId, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.sms_mps !== undefined ? { smsMps: patch.sms_mps } : {}),
      ...(patch.mms_mps !== undefined ? { mmsMps: patch.mms_mps } : {}),
      ...(patch.api_request_rate !== undefined ? { apiRequestRate: patch.api_request_rate } : {}),
    });
    if (!account) throw ApiError.notFound('account');
    await this.forget(authId);
    return accountView(account);
  }

  /** The old token stops working on every replica at once (NOTIFY), not after a cache TTL. */
  async rotateToken(authId: string) {
    const token = await this.admin.rotateToken(authId, this.config.ACCOUNT_TOKEN_KEY);
    if (!token) throw ApiError.notFound('account');
    await this.forget(authId);
    return { auth_id: authId, auth_token: token };
  }

  /** This replica's cached credentials of the account and its subaccounts (a parent's `enabled` covers them). */
  private async forget(authId: string): Promise<void> {
    this.changes.applied({ kind: 'account', authId });
    for (const child of (await this.admin.list(authId, 1_000, 0)).accounts) this.changes.applied({ kind: 'account', authId: child.authId });
  }
}
