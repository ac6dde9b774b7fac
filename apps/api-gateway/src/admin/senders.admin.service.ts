// Sender numbers, 10DLC brands and powerpacks for operators; a number's brand and powerpack must be its account's.
import { Injectable } from '@nestjs/common';
import { z } from '@sluice/config';
import { AccountAdminRepository, BrandAdminRepository, PhoneNumberAdminRepository, PowerpackAdminRepository } from '@sluice/persistence';
import { ConfigChangeHub } from '../config-sync/config-change.hub';
import { ApiError } from '../errors/api-error';
import type { createBrandSchema, createPowerpackSchema, putNumberSchema, updateBrandSchema, updatePowerpackSchema } from './admin.dto';
import { explainConstraints } from './admin-errors';
import { brandView, numberView, page, powerpackView } from './admin.views';

@Injectable()
export class SendersAdminService {
  constructor(
    private readonly accounts: AccountAdminRepository,
    private readonly numbers: PhoneNumberAdminRepository,
    private readonly brands: BrandAdminRepository,
    private readonly powerpacks: PowerpackAdminRepository,
    private readonly changes: ConfigChangeHub,
  ) {}

  async putNumber(number: string, input: z.output<typeof putNumberSchema>) {
    await this.requireAccount(input.account_id);
    if (input.brand_id) {
      const brand = await this.brands.get(input.brand_id);
      if (!brand || brand.accountId !== input.account_id) throw ApiError.invalid('brand_id', "is not one of the account's brands");
    }
    if (input.powerpack_uuid) {
      const powerpack = await this.powerpacks.get(input.powerpack_uuid);
      if (!powerpack || powerpack.accountId !== input.account_id) throw ApiError.invalid('powerpack_uuid', "is not one of the account's powerpacks");
    }
    const saved = await explainConstraints(
      () =>
        this.numbers.put(number, {
          accountId: input.account_id,
          country: input.country,
          numberType: input.number_type,
          verified: input.verified,
          brandId: input.brand_id,
          powerpackUuid: input.powerpack_uuid,
        }),
      { account_id_fkey: 'account_id', brand_id_fkey: 'brand_id', powerpack_uuid_fkey: 'powerpack_uuid' },
    );
    this.changes.applied({ kind: 'phone_numbers' });
    return numberView(saved);
  }

  async getNumber(number: string) {
    const found = await this.numbers.get(number);
    if (!found) throw ApiError.notFound('number');
    return numberView(found);
  }

  async listNumbers(filter: { accountId?: string; powerpackUuid?: string }, limit: number, offset: number) {
    const { numbers, total } = await this.numbers.list(filter, limit, offset);
    return page(numbers.map(numberView), total, limit, offset);
  }

  async removeNumber(number: string): Promise<void> {
    const removed = await this.numbers.remove(number);
    this.changes.applied({ kind: 'phone_numbers' });
    if (!removed) throw ApiError.notFound('number');
  }

  async createBrand(input: z.output<typeof createBrandSchema>) {
    await this.requireAccount(input.account_id);
    const brand = await explainConstraints(
      () => this.brands.create({ accountId: input.account_id, name: input.name, useCase: input.use_case, vettingScore: input.vetting_score, tmobileTpdOverride: input.tmobile_tpd_override }),
      { account_id_fkey: 'account_id' },
    );
    return brandView(brand);
  }

  async getBrand(brandId: string) {
    const brand = await this.brands.get(brandId);
    if (!brand) throw ApiError.notFound('brand');
    return brandView(brand);
  }

  async listBrands(accountId: string | undefined, limit: number, offset: number) {
    const { brands, total } = await this.brands.list(accountId, limit, offset);
    return page(brands.map(brandView), total, limit, offset);
  }

  async updateBrand(brandId: string, patch: z.output<typeof updateBrandSchema>) {
    const brand = await this.brands.update(brandId, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.use_case !== undefined ? { useCase: patch.use_case } : {}),
      ...(patch.vetting_score !== undefined ? { vettingScore: patch.vetting_score } : {}),
      ...(patch.tmobile_tpd_override !== undefined ? { tmobileTpdOverride: patch.tmobile_tpd_override } : {}),
    });
    if (!brand) throw ApiError.notFound('brand');
    return brandView(brand);
  }

  async removeBrand(brandId: string): Promise<void> {
    if (!(await explainConstraints(() => this.brands.remove(brandId)))) throw ApiError.notFound('brand');
  }

  async createPowerpack(input: z.output<typeof createPowerpackSchema>) {
    await this.requireAccount(input.account_id);
    const powerpack = await explainConstraints(() => this.powerpacks.create({ accountId: input.account_id, name: input.name, stickySender: input.sticky_sender }), {
      account_id_fkey: 'account_id',
    });
    return powerpackView(powerpack);
  }

  async getPowerpack(powerpackUuid: string) {
    const powerpack = await this.powerpacks.get(powerpackUuid);
    if (!powerpack) throw ApiError.notFound('powerpack');
    return powerpackView(powerpack);
  }

  async listPowerpacks(accountId: string | undefined, limit: number, offset: number) {
    const { powerpacks, total } = await this.powerpacks.list(accountId, limit, offset);
    return page(powerpacks.map(powerpackView), total, limit, offset);
  }

  async updatePowerpack(powerpackUuid: string, patch: z.output<typeof updatePowerpackSchema>) {
    const powerpack = await this.powerpacks.update(powerpackUuid, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.sticky_sender !== undefined ? { stickySender: patch.sticky_sender } : {}),
    });
    if (!powerpack) throw ApiError.notFound('powerpack');
    this.changes.applied({ kind: 'powerpack', powerpackUuid });
    return powerpackView(powerpack);
  }

  async removePowerpack(powerpackUuid: string): Promise<void> {
    const removed = await this.powerpacks.remove(powerpackUuid);
    this.changes.applied({ kind: 'powerpack', powerpackUuid });
    if (!removed) throw ApiError.notFound('powerpack');
  }

  private async requireAccount(authId: string): Promise<void> {
    if (!(await this.accounts.get(authId))) throw ApiError.invalid('account_id', 'no such account');
  }
}
