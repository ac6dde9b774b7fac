// The rate card and the carrier prefix table for operators.
import { Injectable } from '@nestjs/common';
import type { CarrierId } from '@sluice/contracts';
import { CarrierPrefixAdminRepository, RateCardAdminRepository, RateDirection } from '@sluice/persistence';
import { ConfigChangeHub } from '../config-sync/config-change.hub';
import { ApiError } from '../errors/api-error';
import { prefixView, rateView } from './admin.views';

@Injectable()
export class PricingAdminService {
  constructor(
    private readonly rates: RateCardAdminRepository,
    private readonly prefixes: CarrierPrefixAdminRepository,
    private readonly changes: ConfigChangeHub,
  ) {}

  async listRates(direction?: RateDirection) {
    return { objects: (await this.rates.list(direction)).map(rateView) };
  }

  async putRate(country: string, messageType: string, ratePerUnit: string, direction: RateDirection) {
    const saved = await this.rates.put(country, messageType, ratePerUnit, direction);
    this.changes.applied({ kind: 'rate_cards' });
    return rateView(saved);
  }

  async removeRate(country: string, messageType: string, direction: RateDirection): Promise<void> {
    const removed = await this.rates.remove(country, messageType, direction);
    this.changes.applied({ kind: 'rate_cards' });
    if (!removed) throw ApiError.notFound('rate');
  }

  async listPrefixes() {
    return { objects: (await this.prefixes.list()).map(prefixView) };
  }

  async putPrefix(prefix: string, carrier: CarrierId) {
    return prefixView(await this.prefixes.put(prefix, carrier));
  }

  async removePrefix(prefix: string): Promise<void> {
    if (!(await this.prefixes.remove(prefix))) throw ApiError.notFound('prefix');
  }
}
