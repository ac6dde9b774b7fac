// Operator queries on the rate card (price per unit by destination country and message type).
import type { DataSource } from 'typeorm';
import { announceConfigChange } from '../../config-changes';
import { RateCardEntity } from '../../entities';

export class RateCardAdminRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<RateCardEntity[]> {
    return this.dataSource.getRepository(RateCardEntity).find({ order: { country: 'ASC', messageType: 'ASC' } });
  }

  async put(country: string, messageType: string, ratePerUnit: string): Promise<RateCardEntity> {
    return this.dataSource.transaction(async (manager) => {
      await manager.getRepository(RateCardEntity).upsert({ country, messageType, ratePerUnit }, ['country', 'messageType']);
      await announceConfigChange(manager, { kind: 'rate_cards' });
      return manager.getRepository(RateCardEntity).findOneByOrFail({ country, messageType });
    });
  }

  async remove(country: string, messageType: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(RateCardEntity).delete({ country, messageType });
      await announceConfigChange(manager, { kind: 'rate_cards' });
      return (result.affected ?? 0) > 0;
    });
  }
}
