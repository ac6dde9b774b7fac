// Operator queries on 10DLC brands.
import type { DataSource } from 'typeorm';
import { announceConfigChange } from '../../config-changes';
import { BrandEntity } from '../../entities';

export interface BrandFields {
  readonly name: string;
  readonly useCase: string;
  readonly vettingScore: number;
  /** T-Mobile daily cap granted by a special business review; null derives it from the vetting score. */
  readonly tmobileTpdOverride: number | null;
}

export class BrandAdminRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: BrandFields & { accountId: string }): Promise<BrandEntity> {
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(BrandEntity);
      const brand = await repository.save(repository.create(input));
      await announceConfigChange(manager, { kind: 'brands' });
      return brand;
    });
  }

  async get(brandId: string): Promise<BrandEntity | null> {
    return this.dataSource.getRepository(BrandEntity).findOneBy({ brandId });
  }

  async list(accountId: string | undefined, limit: number, offset: number): Promise<{ brands: BrandEntity[]; total: number }> {
    const [brands, total] = await this.dataSource
      .getRepository(BrandEntity)
      .findAndCount({ where: accountId ? { accountId } : {}, order: { createdAt: 'ASC' }, skip: offset, take: limit });
    return { brands, total };
  }

  async update(brandId: string, patch: Partial<BrandFields>): Promise<BrandEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      if (Object.keys(patch).length > 0) {
        const result = await manager.getRepository(BrandEntity).update({ brandId }, patch);
        if (!result.affected) return null;
      }
      await announceConfigChange(manager, { kind: 'brands' });
      return manager.getRepository(BrandEntity).findOneBy({ brandId });
    });
  }

  /** Refused by the foreign key while numbers still belong to the brand. */
  async remove(brandId: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(BrandEntity).delete({ brandId });
      await announceConfigChange(manager, { kind: 'brands' });
      return (result.affected ?? 0) > 0;
    });
  }
}
