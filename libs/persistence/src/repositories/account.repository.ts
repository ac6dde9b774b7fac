// Accounts and their credentials.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { sealAuthToken } from '../account-token-cipher';
import { AccountEntity } from '../entities';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomString(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  // 256 is not a multiple of the alphabet size; the slight bias is irrelevant for ids and is absent for 64-char sets.
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented token with a stored hash. */
export function tokenMatches(token: string, storedSha256: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedSha256, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export interface NewAccount {
  readonly name: string;
  readonly parentAuthId?: string;
  readonly smsMps?: number;
  readonly mmsMps?: number;
  /** `ACCOUNT_TOKEN_KEY`: when given, the token is also stored sealed, so callbacks can be signed with it. */
  readonly tokenKey?: Buffer;
}

export interface CreatedAccount {
  readonly authId: string;
  /** Shown once; only its hash is stored. */
  readonly authToken: string;
}

export class AccountRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: NewAccount): Promise<CreatedAccount> {
    const authId = `${input.parentAuthId ? 'SA' : 'MA'}${randomString(ID_ALPHABET, 18)}`;
    const authToken = randomString(TOKEN_ALPHABET, 40);
    await this.dataSource.getRepository(AccountEntity).insert({
      authId,
      parentAuthId: input.parentAuthId ?? null,
      name: input.name,
      authTokenSha256: hashToken(authToken),
      authTokenEncrypted: input.tokenKey ? sealAuthToken(authToken, authId, input.tokenKey) : null,
      smsMps: String(input.smsMps ?? 5),
      mmsMps: String(input.mmsMps ?? 0.25),
      enabled: true,
    });
    return { authId, authToken };
  }

  async findOne(authId: string): Promise<AccountEntity | null> {
    return this.dataSource.getRepository(AccountEntity).findOneBy({ authId });
  }

  /** Sets the account's status-callback retry waits in milliseconds; null returns it to the service default. */
  async setCallbackRetryDelays(authId: string, delaysMs: readonly number[] | null): Promise<void> {
    await this.dataSource.getRepository(AccountEntity).update({ authId }, { callbackRetryDelaysMs: delaysMs ? [...delaysMs] : null });
  }
}
