// The accounts' callback settings (sealed token, retry schedule) for the statuses sent from their
// events alone: read for a batch's accounts at most once every ACCOUNT_SETTINGS_TTL_MS each.
import type { CallbackAccount } from '@sluice/persistence';

/**
 * How long an account's settings are used once read: a new token or retry schedule reaches
 * first statuses within this time. The statement reads them afresh, and a message's later
 * statuses reuse its first status's, as before.
 */
export const ACCOUNT_SETTINGS_TTL_MS = 10_000;
/** The most accounts remembered; the oldest read is forgotten first. */
export const MAX_CACHED_ACCOUNTS = 10_000;

export class CallbackAccounts {
  private readonly cached = new Map<string, { readonly account: CallbackAccount; readonly readAt: number }>();

  constructor(
    private readonly read: (authIds: readonly string[]) => Promise<Map<string, CallbackAccount>>,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = ACCOUNT_SETTINGS_TTL_MS,
    private readonly capacity = MAX_CACHED_ACCOUNTS,
  ) {}

  /** The settings of those of `authIds` that exist; one read for all that are not remembered or are too old. */
  async get(authIds: Iterable<string>): Promise<Map<string, CallbackAccount>> {
    const now = this.now();
    const found = new Map<string, CallbackAccount>();
    const missing: string[] = [];
    for (const authId of new Set(authIds)) {
      const entry = this.cached.get(authId);
      if (entry && now - entry.readAt < this.ttlMs) found.set(authId, entry.account);
      else missing.push(authId);
    }
    if (missing.length === 0) return found;
    const read = await this.read(missing);
    for (const [authId, account] of read) {
      found.set(authId, account);
      this.cached.delete(authId);
      if (this.cached.size >= this.capacity) {
        const oldest = this.cached.keys().next();
        if (!oldest.done) this.cached.delete(oldest.value);
      }
      this.cached.set(authId, { account, readAt: now });
    }
    return found;
  }
}
