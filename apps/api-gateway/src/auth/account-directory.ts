// Credentials by auth id, cached, with edits from any replica applied at once (NOTIFY) and a TTL as the fallback.
import { Inject, Injectable } from '@nestjs/common';
import { AccountAdminRepository, AccountCredentials, ConfigChange } from '@sluice/persistence';
import { ConfigChangeHub, ConfigChangeSubscriber } from '../config-sync/config-change.hub';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

interface Entry {
  readonly credentials: AccountCredentials | null;
  readonly expiresAt: number;
}

/** Unknown auth ids are remembered briefly, so a flood of bad credentials does not become a flood of queries. */
const NEGATIVE_TTL_MS = 2_000;
/** Past this many entries the cache starts over (a bound on memory under random auth ids). */
const MAX_ENTRIES = 100_000;

@Injectable()
export class AccountDirectory implements ConfigChangeSubscriber {
  private readonly cache = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<AccountCredentials | null>>();

  constructor(
    private readonly accounts: AccountAdminRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    hub: ConfigChangeHub,
  ) {
    hub.subscribe(this);
  }

  async lookup(authId: string): Promise<AccountCredentials | null> {
    const cached = this.cache.get(authId);
    if (cached && cached.expiresAt > Date.now()) return cached.credentials;
    // Concurrent misses for one account share one query.
    const inFlight = this.loading.get(authId);
    if (inFlight) return inFlight;
    const load = this.accounts
      .credentials(authId)
      .then((credentials) => {
        if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
        const ttl = credentials ? this.config.AUTH_CACHE_TTL_MS : Math.min(NEGATIVE_TTL_MS, this.config.AUTH_CACHE_TTL_MS);
        // An invalidation that arrived while loading wins: the entry is only kept if still wanted.
        if (this.loading.get(authId) === load) this.cache.set(authId, { credentials, expiresAt: Date.now() + ttl });
        return credentials;
      })
      .finally(() => {
        if (this.loading.get(authId) === load) this.loading.delete(authId);
      });
    this.loading.set(authId, load);
    return load;
  }

  onConfigChange(change: ConfigChange): void {
    if (change.kind !== 'account') return;
    this.cache.delete(change.authId);
    this.loading.delete(change.authId);
  }

  onConfigResync(): void {
    this.cache.clear();
    this.loading.clear();
  }
}
