// Geo permissions and monthly spending limits of accounts and subaccounts, for operators.
import { Injectable } from '@nestjs/common';
import { z } from '@sluice/config';
import { effectiveGeoPermissions, formatPrice, priceUnits, utcMonth, type GeoPermissions, type GeoPermissionsSource } from '@sluice/domain';
import { AccountAdminRepository, FraudControlsRepository } from '@sluice/persistence';
import { ConfigChangeHub } from '../config-sync/config-change.hub';
import { ApiError } from '../errors/api-error';
import type { putGeoPermissionsSchema, putSpendLimitSchema } from './controls.admin.dto';

const geoView = (authId: string, source: GeoPermissionsSource, geo: GeoPermissions) => ({
  auth_id: authId,
  source,
  allowed_countries: [...geo.allowedCountries],
  thresholds: geo.thresholds.map((t) => ({ country: t.country, messages_per_hour: t.messagesPerHour, action: t.action, block_minutes: t.blockMinutes })),
});

@Injectable()
export class ControlsAdminService {
  constructor(
    private readonly accounts: AccountAdminRepository,
    private readonly controls: FraudControlsRepository,
    private readonly changes: ConfigChangeHub,
  ) {}

  /** The settings in force, and where they come from: the account's own, its parent's, or the default (US and CA). */
  async getGeo(authId: string) {
    const account = await this.requireAccount(authId);
    const settings = await this.controls.settings(account.parentAuthId ? [authId, account.parentAuthId] : [authId]);
    const { permissions, source } = effectiveGeoPermissions(settings.get(authId)?.geo ?? null, account.parentAuthId ? (settings.get(account.parentAuthId)?.geo ?? null) : null);
    return geoView(authId, source, permissions);
  }

  async putGeo(authId: string, input: z.output<typeof putGeoPermissionsSchema>) {
    const geo: GeoPermissions = {
      allowedCountries: [...new Set(input.allowed_countries)],
      thresholds: input.thresholds.map((t) => ({ country: t.country, messagesPerHour: t.messages_per_hour, action: t.action, blockMinutes: t.block_minutes })),
    };
    if (!(await this.controls.putGeo(authId, geo))) throw ApiError.notFound('account');
    this.changes.applied({ kind: 'account', authId });
    return geoView(authId, 'account', geo);
  }

  async removeGeo(authId: string): Promise<void> {
    await this.requireAccount(authId);
    await this.controls.removeGeo(authId);
    this.changes.applied({ kind: 'account', authId });
  }

  /** The limit and this month's spend under it (a main account's covers its subaccounts). */
  async getSpend(authId: string) {
    const account = await this.requireAccount(authId);
    const limit = (await this.controls.settings([authId])).get(authId)?.monthlySpendLimit ?? null;
    const month = utcMonth(Date.now());
    const spend = await this.controls.spendOf(account.parentAuthId ?? authId, authId, month);
    const covers = account.parentAuthId ? 'account' : 'account_and_subaccounts';
    return {
      auth_id: authId,
      monthly_limit: limit === null ? null : formatPrice(priceUnits(limit)),
      covers,
      month: month.slice(0, 7),
      spend: formatPrice(priceUnits(account.parentAuthId ? spend.own : spend.family)),
    };
  }

  async putSpend(authId: string, input: z.output<typeof putSpendLimitSchema>) {
    if (!(await this.controls.setSpendLimit(authId, input.monthly_limit))) throw ApiError.notFound('account');
    this.changes.applied({ kind: 'account', authId });
    return this.getSpend(authId);
  }

  async removeSpend(authId: string): Promise<void> {
    if (!(await this.controls.setSpendLimit(authId, null))) throw ApiError.notFound('account');
    this.changes.applied({ kind: 'account', authId });
  }

  private async requireAccount(authId: string) {
    const account = await this.accounts.get(authId);
    if (!account) throw ApiError.notFound('account');
    return account;
  }
}
