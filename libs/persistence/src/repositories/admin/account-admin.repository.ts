// Operator queries on accounts: settings, subaccounts, credentials for the API's auth, token rotation.
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { sealAuthToken } from '../../account-token-cipher';
import { announceConfigChange } from '../../config-changes';
import { AccountEntity } from '../../entities';
import { hashToken } from '../account.repository';

/** What authenticating a request needs; `enabled` is false when the account or its parent is disabled. */
export interface AccountCredentials {
  readonly authId: string;
  readonly parentAuthId: string | null;
  readonly tokenSha256: string;
  readonly enabled: boolean;
  readonly apiRequestRate: number | null;
}

export interface AccountSettingsPatch {
  readonly name?: string;
  readonly enabled?: boolean;
  readonly smsMps?: number;
  readonly mmsMps?: number;
  /** null returns the account to the gateway's default. */
  readonly apiRequestRate?: number | null;
}

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export class AccountAdminRepository {
  constructor(private readonly dataSource: DataSource) {}

  async credentials(authId: string): Promise<AccountCredentials | null> {
    const rows = (await this.dataSource.query(
      `SELECT a.auth_id, a.parent_auth_id, a.auth_token_sha256, a.enabled AND COALESCE(p.enabled, true) AS enabled, a.api_request_rate
       FROM accounts a LEFT JOIN accounts p ON p.auth_id = a.parent_auth_id
       WHERE a.auth_id = $1`,
      [authId],
    )) as Array<{ auth_id: string; parent_auth_id: string | null; auth_token_sha256: string; enabled: boolean; api_request_rate: number | null }>;
    const row = rows[0];
    if (!row) return null;
    return {
      authId: row.auth_id,
      parentAuthId: row.parent_auth_id,
      tokenSha256: row.auth_token_sha256,
      enabled: row.enabled,
      apiRequestRate: row.api_request_rate === null ? null : Number(row.api_request_rate),
    };
  }

  async get(authId: string): Promise<AccountEntity | null> {
    return this.dataSource.getRepository(AccountEntity).findOneBy({ authId });
  }

  /** Main accounts (parent null) or the subaccounts of `parentAuthId`, oldest first. */
  async list(parentAuthId: string | null, limit: number, offset: number): Promise<{ accounts: AccountEntity[]; total: number }> {
    const qb = this.dataSource.getRepository(AccountEntity).createQueryBuilder('a');
    if (parentAuthId === null) qb.where('a.parentAuthId IS NULL');
    else qb.where('a.parentAuthId = :parentAuthId', { parentAuthId });
    const [accounts, total] = await qb.orderBy('a.createdAt', 'ASC').addOrderBy('a.authId', 'ASC').skip(offset).take(limit).getManyAndCount();
    return { accounts, total };
  }

  async isSubaccountOf(subaccount: string, parentAuthId: string): Promise<boolean> {
    return this.dataSource.getRepository(AccountEntity).existsBy({ authId: subaccount, parentAuthId });
  }

  async update(authId: string, patch: AccountSettingsPatch): Promise<AccountEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      const changes: Partial<AccountEntity> = {};
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.enabled !== undefined) changes.enabled = patch.enabled;
      if (patch.smsMps !== undefined) changes.smsMps = String(patch.smsMps);
      if (patch.mmsMps !== undefined) changes.mmsMps = String(patch.mmsMps);
      if (patch.apiRequestRate !== undefined) changes.apiRequestRate = patch.apiRequestRate;
      if (Object.keys(changes).length > 0) {
        const result = await manager.getRepository(AccountEntity).update({ authId }, changes);
        if (!result.affected) return null;
      }
      await announceConfigChange(manager, { kind: 'account', authId });
      // A disabled parent disables its subaccounts' credentials too.
      if (patch.enabled !== undefined) {
        const children = await manager.getRepository(AccountEntity).find({ select: { authId: true }, where: { parentAuthId: authId } });
        for (const child of children) await announceConfigChange(manager, { kind: 'account', authId: child.authId });
      }
      return manager.getRepository(AccountEntity).findOneBy({ authId });
    });
  }

  /** A new random token replaces the old one at once; only its hash (and, with a key, its sealed form) is kept. */
  async rotateToken(authId: string, tokenKey?: Buffer): Promise<string | null> {
    const token = Array.from(randomBytes(40), (b) => TOKEN_ALPHABET[b % TOKEN_ALPHABET.length]).join('');
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(AccountEntity).update(
        { authId },
        { authTokenSha256: hashToken(token), authTokenEncrypted: tokenKey ? sealAuthToken(token, authId, tokenKey) : null },
      );
      if (!result.affected) return null;
      await announceConfigChange(manager, { kind: 'account', authId });
      return token;
    });
  }
}
