// Operator queries on the destination-prefix → carrier table.
import type { CarrierId } from '@sluice/contracts';
import type { DataSource } from 'typeorm';
import { announceConfigChange } from '../../config-changes';
import { CarrierPrefixEntity } from '../../entities';

export class CarrierPrefixAdminRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<CarrierPrefixEntity[]> {
    return this.dataSource.getRepository(CarrierPrefixEntity).find({ order: { prefix: 'ASC' } });
  }

  async put(prefix: string, carrier: CarrierId): Promise<CarrierPrefixEntity> {
    return this.dataSource.transaction(async (manager) => {
      await manager.getRepository(CarrierPrefixEntity).upsert({ prefix, carrier }, ['prefix']);
      await announceConfigChange(manager, { kind: 'carrier_prefixes' });
      return manager.getRepository(CarrierPrefixEntity).findOneByOrFail({ prefix });
    });
  }

  async remove(prefix: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(CarrierPrefixEntity).delete({ prefix });
      await announceConfigChange(manager, { kind: 'carrier_prefixes' });
      return (result.affected ?? 0) > 0;
    });
  }
}
