// Prices, powerpack pools and sender numbers' owners for sends, cached; edits through the admin API (any replica) apply at once.
import { Injectable } from '@nestjs/common';
import { ConfigChange, PhoneNumberAdminRepository, PowerpackPool, RateCardAdminRepository, RateDirection } from '@sluice/persistence';
import { ConfigChangeHub, ConfigChangeSubscriber } from '../config-sync/config-change.hub';

/** Fallback freshness when notifications are lost. */
const TTL_MS = 60_000;

@Injectable()
export class SendCatalog implements ConfigChangeSubscriber {
  private rateCache: { byKey: Map<string, string>; expiresAt: number } | null = null;
  private loadingRates: Promise<Map<string, string>> | null = null;
  private generation = 0;
  private readonly pools = new Map<string, { pool: PowerpackPool | null; expiresAt: number }>();
  private readonly owners = new Map<string, { accountId: string | null; expiresAt: number }>();

  constructor(
    private readonly rateCards: RateCardAdminRepository,
    private readonly numbers: PhoneNumberAdminRepository,
    hub: ConfigChangeHub,
  ) {
    hub.subscribe(this);
  }

  /** Price per unit as a decimal string, or undefined when the rate card has no entry (the destination is not routable). */
  async rates(): Promise<ReadonlyMap<string, string>> {
    if (this.rateCache && this.rateCache.expiresAt > Date.now()) return this.rateCache.byKey;
    if (!this.loadingRates) {
      // An invalidation while loading bumps the generation, so the stale result is not cached.
      const generation = ++this.generation;
      this.loadingRates = this.rateCards
        .list(RateDirection.Outbound)
        .then((rows) => {
          const byKey = new Map(rows.map((r) => [rateKey(r.country, r.messageType), r.ratePerUnit]));
          if (generation === this.generation) this.rateCache = { byKey, expiresAt: Date.now() + TTL_MS };
          return byKey;
        })
        .finally(() => {
          if (generation === this.generation) this.loadingRates = null;
        });
    }
    return this.loadingRates;
  }

  async pool(powerpackUuid: string): Promise<PowerpackPool | null> {
    const cached = this.pools.get(powerpackUuid);
    if (cached && cached.expiresAt > Date.now()) return cached.pool;
    const pool = await this.numbers.pool(powerpackUuid);
    this.pools.set(powerpackUuid, { pool, expiresAt: Date.now() + TTL_MS });
    return pool;
  }

  /** The account a sender number is registered to, or null when it is nobody's. */
  async numberOwner(number: string): Promise<string | null> {
    const cached = this.owners.get(number);
    if (cached && cached.expiresAt > Date.now()) return cached.accountId;
    const accountId = (await this.numbers.get(number))?.accountId ?? null;
    // Bounded like the other caches here: past the bound it starts over.
    if (this.owners.size >= 100_000) this.owners.clear();
    this.owners.set(number, { accountId, expiresAt: Date.now() + TTL_MS });
    return accountId;
  }

  onConfigChange(change: ConfigChange): void {
    if (change.kind === 'rate_cards') this.dropRates();
    if (change.kind === 'powerpack') this.pools.delete(change.powerpackUuid);
    if (change.kind === 'phone_numbers') {
      this.pools.clear();
      this.owners.clear();
    }
  }

  onConfigResync(): void {
    this.dropRates();
    this.pools.clear();
    this.owners.clear();
  }

  private dropRates(): void {
    this.generation += 1;
    this.rateCache = null;
    this.loadingRates = null;
  }
}

export function rateKey(country: string, messageType: string): string {
  return `${country}:${messageType}`;
}
