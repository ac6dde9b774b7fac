// Opens accounts' sealed auth tokens for signing, once per account and key.
import { AccountTokenCipherError, openAuthToken } from '@sluice/persistence';

/** Why a callback goes out unsigned. */
export type UnsignedReason = 'no_key' | 'no_sealed_token' | 'undecryptable';

export type SigningToken = { readonly token: string } | { readonly unsigned: UnsignedReason };

const MAX_CACHED = 10_000;

export class AuthTokenVault {
  private readonly opened = new Map<string, { sealed: string; result: SigningToken }>();

  constructor(private readonly key: Buffer | undefined) {}

  tokenFor(accountId: string, sealed: string | null): SigningToken {
    if (!this.key) return { unsigned: 'no_key' };
    if (sealed === null) return { unsigned: 'no_sealed_token' };
    const cached = this.opened.get(accountId);
    if (cached?.sealed === sealed) return cached.result;
    let result: SigningToken;
    try {
      result = { token: openAuthToken(sealed, accountId, this.key) };
    } catch (error: unknown) {
      if (!(error instanceof AccountTokenCipherError)) throw error;
      result = { unsigned: 'undecryptable' };
    }
    if (this.opened.size >= MAX_CACHED) this.opened.clear();
    this.opened.set(accountId, { sealed, result });
    return result;
  }
}
