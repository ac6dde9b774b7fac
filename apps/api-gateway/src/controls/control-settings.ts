// The geo permissions and spending limits that apply to a caller, cached; admin edits on any replica apply at once (NOTIFY).
import { Inject, Injectable } from '@nestjs/common';
import { effectiveGeoPermissions, GeoPermissions, GeoPermissionsSource, priceUnits } from '@sluice/domain';
import { AccountControlSettings, ConfigChange, FraudControlsRepository } from '@sluice/persistence';
import type { Caller } from '../auth/basic-auth.guard';
import { ConfigChangeHub, ConfigChangeSubscriber } from '../config-sync/config-change.hub';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

/** A monthly spending limit a send is held to. */
export interface ApplicableLimit {
  /** The account whose limit it is: the caller, or its parent. */
  readonly accountId: string;
  /** In 1/100,000 units. */
  readonly limit: number;
  /** A main account's limit covers its subaccounts' spend too; a subaccount's only its own. */
  readonly covers: 'own' | 'family';
}

export interface CallerControls {
  readonly geo: GeoPermissions;
  readonly geoSource: GeoPermissionsSource;
  readonly allowedCountries: ReadonlySet<string>;
  readonly limits: readonly ApplicableLimit[];
}

const MAX_ENTRIES = 100_000;

@Injectable()
export class ControlSettings implements ConfigChangeSubscriber {
  private readonly cache = new Map<string, { settings: AccountControlSettings | null; expiresAt: number }>();
  private generation = 0;

  constructor(
    private readonly repository: FraudControlsRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    hub: ConfigChangeHub,
  ) {
    hub.subscribe(this);
  }

  async forCaller(caller: Caller): Promise<CallerControls> {
    const ids = caller.parentAuthId ? [caller.authId, caller.parentAuthId] : [caller.authId];
    const entries = await this.load(ids);
    const own = entries.get(caller.authId) ?? null;
    const parent = caller.parentAuthId ? (entries.get(caller.parentAuthId) ?? null) : null;
    const { permissions, source } = effectiveGeoPermissions(own?.geo ?? null, parent?.geo ?? null);
    const limits: ApplicableLimit[] = [];
    if (own?.monthlySpendLimit != null) limits.push({ accountId: caller.authId, limit: priceUnits(own.monthlySpendLimit), covers: caller.parentAuthId ? 'own' : 'family' });
    if (parent?.monthlySpendLimit != null) limits.push({ accountId: parent.authId, limit: priceUnits(parent.monthlySpendLimit), covers: 'family' });
    return { geo: permissions, geoSource: source, allowedCountries: new Set(permissions.allowedCountries), limits };
  }

  onConfigChange(change: ConfigChange): void {
    // A parent's entry is read with each subaccount's, so dropping it covers the subaccounts that inherit.
    if (change.kind !== 'account') return;
    this.cache.delete(change.authId);
    this.generation += 1;
  }

  onConfigResync(): void {
    this.cache.clear();
    this.generation += 1;
  }

  private async load(ids: readonly string[]): Promise<Map<string, AccountControlSettings | null>> {
    const now = Date.now();
    const found = new Map<string, AccountControlSettings | null>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = this.cache.get(id);
      if (hit && hit.expiresAt > now) found.set(id, hit.settings);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    // An edit announced while loading bumps the generation: the result is used once, not cached.
    const generation = this.generation;
    const loaded = await this.repository.settings(missing);
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    for (const id of missing) {
      const settings = loaded.get(id) ?? null;
      found.set(id, settings);
      if (generation === this.generation) this.cache.set(id, { settings, expiresAt: Date.now() + this.config.AUTH_CACHE_TTL_MS });
    }
    return found;
  }
}
